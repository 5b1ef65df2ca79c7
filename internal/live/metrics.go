package live

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the center's Prometheus series, registered on the
// Registerer given in Options (none: kept but not exported).
type metrics struct {
	queueWaiting *prometheus.GaugeVec
	chatsWaiting prometheus.Gauge
	offers       prometheus.Counter
	sessions     *prometheus.GaugeVec
	messages     *prometheus.CounterVec
	waits        *prometheus.HistogramVec
	// announcementsDropped counts announcements not stored (backlog full).
	announcementsDropped prometheus.Counter
	// statesDropped counts agent state changes not stored (backlog full).
	statesDropped prometheus.Counter
	chatsRefused  *prometheus.CounterVec
	chatQueue     map[int64]int // waiting count of chat queues, for chatsWaiting (owner goroutine only)
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		queueWaiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "plateau_queue_waiting",
			Help: "Contacts waiting (or being offered) in a queue."}, []string{"queue"}),
		chatsWaiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: "plateau_chats_waiting",
			Help: "Chats waiting for an agent."}),
		offers: prometheus.NewCounter(prometheus.CounterOpts{Name: "plateau_offers_total",
			Help: "Contacts offered to agents."}),
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "plateau_sessions_connected",
			Help: "Open WebSocket sessions."}, []string{"kind"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_messages_total",
			Help: "Chat messages stored."}, []string{"from"}),
		waits: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "plateau_wait_seconds",
			Help:    "Waits of contacts that left the queue, by outcome (answered, abandoned).",
			Buckets: []float64{5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200}}, []string{"queue", "outcome"}),
		announcementsDropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "plateau_announcements_dropped_total",
			Help: "Announced positions and waits not stored because the database fell behind."}),
		statesDropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "plateau_agent_states_dropped_total",
			Help: "Changes of agents' states not stored in their history because the database fell behind."}),
		chatsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_chats_refused_total",
			Help: "Chat starts refused by the per-address limits (why: starts, waiting)."}, []string{"why"}),
		chatQueue: map[int64]int{},
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.queueWaiting, m.chatsWaiting, m.offers, m.sessions, m.messages, m.waits, m.announcementsDropped, m.statesDropped, m.chatsRefused} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// setQueue records a queue's depth; called by the owner goroutine.
func (m *metrics) setQueue(id int64, waiting int, chat bool) {
	m.queueWaiting.WithLabelValues(strconv.FormatInt(id, 10)).Set(float64(waiting))
	if chat {
		m.chatQueue[id] = waiting
		total := 0
		for _, n := range m.chatQueue {
			total += n
		}
		m.chatsWaiting.Set(float64(total))
	}
}

func (m *metrics) offer()                     { m.offers.Inc() }
func (m *metrics) chatRefused(why string)     { m.chatsRefused.WithLabelValues(why).Inc() }
func (m *metrics) session(kind string, d int) { m.sessions.WithLabelValues(kind).Add(float64(d)) }
func (m *metrics) message(from string)        { m.messages.WithLabelValues(from).Inc() }

func (m *metrics) wait(queue int64, outcome string, seconds float64) {
	m.waits.WithLabelValues(strconv.FormatInt(queue, 10), outcome).Observe(seconds)
}

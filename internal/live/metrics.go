package live

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
)

// metrics holds the center's figures, written in the Prometheus text
// exposition format by WriteMetrics. (The module's go.sum does not carry
// client_golang's dependencies, so the few series are kept here; an adapter
// to a prometheus.Registerer can wrap WriteMetrics's values later.)
type metrics struct {
	mu         sync.Mutex
	queueDepth map[int64]int    // waiting contacts by queue
	chatQueue  map[int64]bool   // queues of the chat channel
	offers     int64            // offers made
	sessions   map[string]int   // connected sessions by kind (customer, agent)
	messages   map[string]int64 // stored chat messages by sender
}

func newMetrics() *metrics {
	return &metrics{queueDepth: map[int64]int{}, chatQueue: map[int64]bool{}, sessions: map[string]int{}, messages: map[string]int64{}}
}

func (m *metrics) setQueue(id int64, waiting int, chat bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queueDepth[id] = waiting
	m.chatQueue[id] = chat
}

func (m *metrics) offer() {
	m.mu.Lock()
	m.offers++
	m.mu.Unlock()
}

func (m *metrics) session(kind string, d int) {
	m.mu.Lock()
	m.sessions[kind] += d
	m.mu.Unlock()
}

func (m *metrics) message(from string) {
	m.mu.Lock()
	m.messages[from]++
	m.mu.Unlock()
}

// WriteMetrics writes the center's metrics in the Prometheus text format:
// plateau_queue_waiting{queue}, plateau_chats_waiting,
// plateau_offers_total, plateau_sessions_connected{kind} and
// plateau_messages_total{from}.
func (c *Center) WriteMetrics(w io.Writer) error {
	m := c.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	p("# HELP plateau_queue_waiting Contacts waiting (or being offered) in a queue.\n# TYPE plateau_queue_waiting gauge\n")
	for _, id := range slices.Sorted(maps.Keys(m.queueDepth)) {
		p("plateau_queue_waiting{queue=\"%d\"} %d\n", id, m.queueDepth[id])
	}
	chats := 0
	for id, n := range m.queueDepth {
		if m.chatQueue[id] {
			chats += n
		}
	}
	p("# HELP plateau_chats_waiting Chats waiting for an agent.\n# TYPE plateau_chats_waiting gauge\nplateau_chats_waiting %d\n", chats)
	p("# HELP plateau_offers_total Contacts offered to agents.\n# TYPE plateau_offers_total counter\nplateau_offers_total %d\n", m.offers)
	p("# HELP plateau_sessions_connected Open WebSocket sessions.\n# TYPE plateau_sessions_connected gauge\n")
	for _, k := range []string{"agent", "customer"} {
		p("plateau_sessions_connected{kind=%q} %d\n", k, m.sessions[k])
	}
	p("# HELP plateau_messages_total Chat messages stored.\n# TYPE plateau_messages_total counter\n")
	for _, k := range []string{"agent", "customer"} {
		p("plateau_messages_total{from=%q} %d\n", k, m.messages[k])
	}
	if err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// MetricsHandler serves WriteMetrics (mount it at /metrics).
func (c *Center) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		if err := c.WriteMetrics(w); err != nil {
			c.log.Debug("write metrics", "err", err)
		}
	})
}

package sip

import (
	"strconv"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the SIP server's Prometheus series.
type metrics struct {
	responses *prometheus.CounterVec // final responses sent, by method and code
	bridges   prometheus.Counter
	// callbacksRefused counts callback numbers refused, by reason (policy,
	// number_cap, source_cap, full).
	callbacksRefused *prometheus.CounterVec
	// menuChoices counts how voice menus ended: option (a key 1-9), zero
	// (0: a human), default (no key or wrong keys: the entry's queue),
	// error.
	menuChoices *prometheus.CounterVec
	// trunkRefused counts INVITEs refused because their number takes calls
	// only from a trunk (Trunk.RefuseUnknown).
	trunkRefused prometheus.Counter
	// Stream connections and listeners (transport.go).
	conns                                                       *prometheus.GaugeVec
	connsRefused, connsTimedOut, acceptErrors, listenerRestarts *prometheus.CounterVec
}

func newMetrics(s *Server, reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_sip_responses_total",
			Help: "Final SIP responses sent by Plateau, by request method and status code (503: rate-limited or unavailable, 404: unknown number, 401: challenge)."},
			[]string{"method", "code"}),
		bridges: prometheus.NewCounter(prometheus.CounterOpts{Name: "plateau_sip_bridges_total",
			Help: "Calls bridged between a customer and an agent's phone."}),
		callbacksRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_sip_callbacks_refused_total",
			Help: "Callback numbers refused, by reason: policy (not in callback_allow, or in callback_deny), number_cap and source_cap (per day), full."},
			[]string{"reason"}),
		menuChoices: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_sip_menu_choices_total",
			Help: "How callers left a voice menu: option (a key 1-9), zero (0, the entry point's queue), default (no key or wrong keys: the entry point's queue), error."},
			[]string{"choice"}),
		trunkRefused: prometheus.NewCounter(prometheus.CounterOpts{Name: "plateau_sip_trunk_only_refused_total",
			Help: "INVITEs refused (403) from a source that is no trunk to a number of a trunk with refuse_unknown."}),
	}
	m.conns, m.connsRefused, m.connsTimedOut, m.acceptErrors, m.listenerRestarts = transportMetrics()
	if reg == nil {
		return m, nil
	}
	calls := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "plateau_sip_calls_active", Help: "Calls Plateau is handling (waiting, ringing, bridged)."},
		func() float64 {
			s.mu.Lock()
			defer s.mu.Unlock()
			return float64(len(s.all))
		})
	phones := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "plateau_sip_phones_registered", Help: "Agents' phones with a live registration."},
		func() float64 { return float64(s.reg.count(time.Now())) })
	cs := []prometheus.Collector{m.responses, m.bridges, m.callbacksRefused, m.menuChoices, m.trunkRefused, calls, phones,
		m.conns, m.connsRefused, m.connsTimedOut, m.acceptErrors, m.listenerRestarts}
	for _, t := range s.trunks {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "plateau_sip_trunk_calls_active",
			Help: "Calls in progress through a trunk, both ways (its max_calls caps the incoming ones).", ConstLabels: prometheus.Labels{"trunk": t.cfg.Name}},
			func() float64 { return float64(t.active()) }))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// countingTx counts the final responses sent on a server transaction.
type countingTx struct {
	sipmsg.ServerTransaction
	m      *metrics
	method string
}

func (t countingTx) Respond(res *sipmsg.Response) error {
	if res != nil && res.StatusCode >= 200 {
		t.m.responses.WithLabelValues(t.method, strconv.Itoa(res.StatusCode)).Inc()
	}
	return t.ServerTransaction.Respond(res)
}

// counted wraps a handler so that its responses are counted.
func (s *Server) counted(h func(*sipmsg.Request, sipmsg.ServerTransaction)) func(*sipmsg.Request, sipmsg.ServerTransaction) {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if tx != nil {
			tx = countingTx{ServerTransaction: tx, m: s.metrics, method: string(req.Method)}
		}
		h(req, tx)
	}
}

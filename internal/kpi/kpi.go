package kpi

import "time"

// Interval is the length of the intervals figures are kept by.
const Interval = 15 * time.Minute

// DefaultShortAbandon is the short-abandon threshold of a queue that sets none.
const DefaultShortAbandon = 5 * time.Second

// Bucket is the start of the Interval that t falls in (UTC).
func Bucket(t time.Time) time.Time { return t.UTC().Truncate(Interval) }

// Counts are additive sums over a set of ended contacts (see the package
// doc for each definition). Durations are in milliseconds.
type Counts struct {
	Offered            int64 `json:"offered"`
	Answered           int64 `json:"answered"`
	Abandoned          int64 `json:"abandoned"`
	ShortAbandoned     int64 `json:"short_abandoned"`
	AnsweredInSL       int64 `json:"answered_in_sl"`
	FlowedOut          int64 `json:"flowed_out"`
	Closed             int64 `json:"closed"`
	Refused            int64 `json:"refused"`
	CallbacksRequested int64 `json:"callbacks_requested"`
	CallbacksCompleted int64 `json:"callbacks_completed"`
	CallbacksFailed    int64 `json:"callbacks_failed"`
	RONA               int64 `json:"rona"`
	WaitAnsweredMS     int64 `json:"wait_answered_ms"`
	WaitAbandonedMS    int64 `json:"wait_abandoned_ms"` // short abandons excluded
	MaxWaitMS          int64 `json:"max_wait_ms"`       // a maximum, not a sum
	Handled            int64 `json:"handled"`
	TalkMS             int64 `json:"talk_ms"`
	HoldMS             int64 `json:"hold_ms"`
	WrapUpMS           int64 `json:"wrap_up_ms"`
	BillableMS         int64 `json:"billable_ms"`
	CSATResponses      int64 `json:"csat_responses"`
	CSATSum            int64 `json:"csat_sum"`
	// CSAT[i] counts the scores i+1.
	CSAT        [5]int64 `json:"csat"`
	ToldNoAgent int64    `json:"told_no_agent"`
	// EWTTold counts the answered contacts told a wait (not those told no
	// agent was available); EWTKept[i] those of them whose actual wait was
	// at most the announced one + EWTMargins()[i].
	EWTTold int64    `json:"ewt_told"`
	EWTKept [4]int64 `json:"ewt_kept"`
	// CallbacksWithin[i] counts the callbacks completed within
	// CallbackDelays()[i] of the request.
	CallbacksWithin [6]int64 `json:"callbacks_within"`
	// AnsweredWithin[i] counts the contacts answered within
	// SLThresholds()[i], whatever their queue's own threshold: the service
	// level at another Y than the queue's.
	AnsweredWithin [10]int64 `json:"answered_within"`
}

// SLThresholds are the waits the rollups count the answers within: 10,
// 15, 20, 30, 45, 60, 90, 120, 180 and 300 s.
func SLThresholds() [10]time.Duration {
	var out [10]time.Duration
	for i, s := range [10]int{10, 15, 20, 30, 45, 60, 90, 120, 180, 300} {
		out[i] = time.Duration(s) * time.Second
	}
	return out
}

// EWTMargins are the margins over the announced wait the rollups count
// the announcements kept within: 0, 30 s, 1 min, 2 min.
func EWTMargins() [4]time.Duration {
	return [4]time.Duration{0, 30 * time.Second, time.Minute, 2 * time.Minute}
}

// CallbackDelays are the delays from the request the rollups count the
// callbacks made within: 15 min, 30 min, 1 h, 2 h, 4 h, 24 h.
func CallbackDelays() [6]time.Duration {
	return [6]time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 24 * time.Hour}
}

// Add adds o to c (MaxWaitMS takes the larger).
func (c *Counts) Add(o Counts) { c.combine(o, 1) }

// Sub takes o from c (MaxWaitMS is left as it is: a maximum cannot be
// taken back, and no change to an ended contact changes its wait).
func (c *Counts) Sub(o Counts) { c.combine(o, -1) }

func (c *Counts) combine(o Counts, sign int64) {
	c.Offered += sign * o.Offered
	c.Answered += sign * o.Answered
	c.Abandoned += sign * o.Abandoned
	c.ShortAbandoned += sign * o.ShortAbandoned
	c.AnsweredInSL += sign * o.AnsweredInSL
	c.FlowedOut += sign * o.FlowedOut
	c.Closed += sign * o.Closed
	c.Refused += sign * o.Refused
	c.CallbacksRequested += sign * o.CallbacksRequested
	c.CallbacksCompleted += sign * o.CallbacksCompleted
	c.CallbacksFailed += sign * o.CallbacksFailed
	c.RONA += sign * o.RONA
	c.WaitAnsweredMS += sign * o.WaitAnsweredMS
	c.WaitAbandonedMS += sign * o.WaitAbandonedMS
	if sign > 0 && o.MaxWaitMS > c.MaxWaitMS {
		c.MaxWaitMS = o.MaxWaitMS
	}
	c.Handled += sign * o.Handled
	c.TalkMS += sign * o.TalkMS
	c.HoldMS += sign * o.HoldMS
	c.WrapUpMS += sign * o.WrapUpMS
	c.BillableMS += sign * o.BillableMS
	c.CSATResponses += sign * o.CSATResponses
	c.CSATSum += sign * o.CSATSum
	for i := range c.CSAT {
		c.CSAT[i] += sign * o.CSAT[i]
	}
	c.ToldNoAgent += sign * o.ToldNoAgent
	c.EWTTold += sign * o.EWTTold
	for i := range c.EWTKept {
		c.EWTKept[i] += sign * o.EWTKept[i]
	}
	for i := range c.CallbacksWithin {
		c.CallbacksWithin[i] += sign * o.CallbacksWithin[i]
	}
	for i := range c.AnsweredWithin {
		c.AnsweredWithin[i] += sign * o.AnsweredWithin[i]
	}
}

// IsZero reports whether every count is zero.
func (c Counts) IsZero() bool { return c == Counts{} }

// Ratio is num/den, nil when den is not positive.
func Ratio(num, den int64) *float64 {
	if den <= 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}

func mean(sumMS, n int64) *float64 {
	if n <= 0 {
		return nil
	}
	r := float64(sumMS) / 1000 / float64(n)
	return &r
}

// SLBase is the service level's denominator: offered − short abandoned.
func (c Counts) SLBase() int64 { return c.Offered - c.ShortAbandoned }

// ServiceLevel = answered within the threshold / (offered − short abandoned).
func (c Counts) ServiceLevel() *float64 { return Ratio(c.AnsweredInSL, c.SLBase()) }

// AnswerRate = answered / (offered − short abandoned).
func (c Counts) AnswerRate() *float64 { return Ratio(c.Answered, c.SLBase()) }

// AbandonRate = (abandoned − short abandoned) / (offered − short abandoned).
func (c Counts) AbandonRate() *float64 { return Ratio(c.Abandoned-c.ShortAbandoned, c.SLBase()) }

// ASASeconds is the mean wait of the answered contacts.
func (c Counts) ASASeconds() *float64 { return mean(c.WaitAnsweredMS, c.Answered) }

// MeanAbandonSeconds is the mean wait of the abandoned contacts, short ones excluded.
func (c Counts) MeanAbandonSeconds() *float64 {
	return mean(c.WaitAbandonedMS, c.Abandoned-c.ShortAbandoned)
}

// AHTSeconds = (talk + hold + wrap-up) / handled.
func (c Counts) AHTSeconds() *float64 { return mean(c.TalkMS+c.HoldMS+c.WrapUpMS, c.Handled) }

// TalkSeconds, HoldSeconds and WrapUpSeconds are AHT's parts (means per handled contact).
func (c Counts) TalkSeconds() *float64   { return mean(c.TalkMS, c.Handled) }
func (c Counts) HoldSeconds() *float64   { return mean(c.HoldMS, c.Handled) }
func (c Counts) WrapUpSeconds() *float64 { return mean(c.WrapUpMS, c.Handled) }

// CSATMean is the mean score of the responses.
func (c Counts) CSATMean() *float64 {
	if c.CSATResponses <= 0 {
		return nil
	}
	r := float64(c.CSATSum) / float64(c.CSATResponses)
	return &r
}

// CSATResponseRate = responses / answered.
func (c Counts) CSATResponseRate() *float64 { return Ratio(c.CSATResponses, c.Answered) }

// EWT are additive sums of announced against actual waits (answered
// contacts told a wait).
type EWT struct {
	Contacts    int64 `json:"contacts"`
	AbsErrorMS  int64 `json:"abs_error_ms"`
	ErrorMS     int64 `json:"error_ms"`
	Within30s   int64 `json:"within_30s"`
	Within25Pct int64 `json:"within_25pct"`
}

// Add adds o to e; Sub takes it away.
func (e *EWT) Add(o EWT) {
	e.Contacts += o.Contacts
	e.AbsErrorMS += o.AbsErrorMS
	e.ErrorMS += o.ErrorMS
	e.Within30s += o.Within30s
	e.Within25Pct += o.Within25Pct
}

// Sub takes o from e.
func (e *EWT) Sub(o EWT) {
	e.Contacts -= o.Contacts
	e.AbsErrorMS -= o.AbsErrorMS
	e.ErrorMS -= o.ErrorMS
	e.Within30s -= o.Within30s
	e.Within25Pct -= o.Within25Pct
}

// EWTOf is one contact's contribution: announced and actual wait.
func EWTOf(announced, actual time.Duration) EWT {
	err := actual - announced
	abs := err
	if abs < 0 {
		abs = -abs
	}
	e := EWT{Contacts: 1, AbsErrorMS: abs.Milliseconds(), ErrorMS: err.Milliseconds()}
	if abs <= 30*time.Second {
		e.Within30s = 1
	}
	if 4*abs <= announced {
		e.Within25Pct = 1
	}
	return e
}

// MAESeconds is the mean absolute error; BiasSeconds the mean error.
func (e EWT) MAESeconds() *float64  { return mean(e.AbsErrorMS, e.Contacts) }
func (e EWT) BiasSeconds() *float64 { return mean(e.ErrorMS, e.Contacts) }

// Within30s and Within25Pct are the shares of contacts within those bounds.
func (e EWT) Within30sShare() *float64   { return Ratio(e.Within30s, e.Contacts) }
func (e EWT) Within25PctShare() *float64 { return Ratio(e.Within25Pct, e.Contacts) }

// PositionBand is the position announced as reported: 1 to 10, 11 for 11 and more.
func PositionBand(p int) int {
	if p > 10 {
		return 11
	}
	if p < 1 {
		return 1
	}
	return p
}

// AgentTime is an agent's time by state, in milliseconds.
type AgentTime struct {
	ReadyMS    int64            `json:"ready_ms"`
	OfferedMS  int64            `json:"offered_ms"`
	BusyMS     int64            `json:"busy_ms"`
	WrapUpMS   int64            `json:"wrap_up_ms"`
	NotReadyMS int64            `json:"not_ready_ms"`
	ByReason   map[string]int64 `json:"not_ready_by_reason_ms"`
}

// Add adds ms in state (with reason, for not ready).
func (a *AgentTime) Add(state, reason string, ms int64) {
	switch state {
	case "ready":
		a.ReadyMS += ms
	case "offered":
		a.OfferedMS += ms
	case "busy":
		a.BusyMS += ms
	case "wrap_up":
		a.WrapUpMS += ms
	case "not_ready":
		a.NotReadyMS += ms
		if a.ByReason == nil {
			a.ByReason = map[string]int64{}
		}
		a.ByReason[reason] += ms
	}
}

// LoginMS is every state but logged out.
func (a AgentTime) LoginMS() int64 {
	return a.ReadyMS + a.OfferedMS + a.BusyMS + a.WrapUpMS + a.NotReadyMS
}

// AvailableMS is the time available for contacts: ready, offered, busy, wrap-up.
func (a AgentTime) AvailableMS() int64 { return a.ReadyMS + a.OfferedMS + a.BusyMS + a.WrapUpMS }

// Occupancy = (busy + wrap-up) / (ready + offered + busy + wrap-up).
func (a AgentTime) Occupancy() *float64 { return Ratio(a.BusyMS+a.WrapUpMS, a.AvailableMS()) }

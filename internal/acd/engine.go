package acd

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Config configures an Engine.
type Config struct {
	// Location decides when "today" starts for the agents' daily counters
	// (LeastHandled). Nil means UTC.
	Location *time.Location
}

// Engine is the routing state machine. See the package documentation.
type Engine struct {
	now      int64 // Unix nanoseconds; never goes back
	seq      uint64
	gen      uint64
	loc      *time.Location
	day      int64 // days since the Unix epoch in loc, for daily counters
	dayEnd   int64
	queues   map[QueueID]*queue
	queueSeq []*queue // in creation order, for deterministic iteration
	agents   map[AgentID]*agent
	agentSeq []*agent
	contacts map[ContactID]*contact
	timers   timerSet
	out      []Event
	free     []*contact
	onOffer  func(*contact, *membership) // tests only: sees every offer before it is made
}

type queue struct {
	// Hot fields first: routing reads them for every queue an agent serves.
	waiting int // contacts present in the lines
	channel Channel
	aging   float64 // priority points per nanosecond
	lines   []*line
	relaxAt []int64 // wait at which each step starts, for steps 1..n
	pools   []pool  // per relaxation step
	staffed int     // members not logged out
	e       *Engine
	cfg     QueueConfig
	members []*membership
	offerTO int64
	wrapUp  int64
	maxWait int64
	est     estimator
	fifos   [timerWrapUp + 1]fifo // by timer kind; timerRelax's stays unused
}

type contactState uint8

const (
	waiting contactState = iota
	offered
	connected
)

type contact struct {
	id       ContactID
	seq      uint64
	q        *queue
	tier     int
	arrival  int64
	enqueued int64
	state    contactState
	callback bool
	line     *line
	idx      int
	agent    *agent
	waitGen  uint64 // generation of the max-wait timer
	offerGen uint64
	pos      int // position when announced
	predQL   int64
	predHOL  int64 // -1: no prediction
	ewt      int64 // announced
}

type work struct {
	id   ContactID
	c    *contact // while connected
	q    *queue
	ch   Channel
	wrap bool
	gen  uint64
}

type agent struct {
	// Hot fields first: availability is read on every routing decision.
	presence     Presence
	blend        bool
	offer        *contact
	load         [numChannels]int
	capacity     [numChannels]int
	members      []*membership
	work         []work
	idleSince    int64
	seq          uint64
	id           AgentID
	cfg          AgentConfig
	reason       string
	day          int64
	handled      int
	lastState    AgentState
	lastReason   string
	lastPresence Presence
}

// New returns an empty engine.
func New(cfg Config) *Engine {
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Engine{
		loc:      loc,
		dayEnd:   -1 << 63,
		queues:   make(map[QueueID]*queue),
		agents:   make(map[AgentID]*agent),
		contacts: make(map[ContactID]*contact),
	}
}

// Now returns the engine's time: the latest time it was given.
func (e *Engine) Now() time.Time { return time.Unix(0, e.now).UTC() }

// Drain returns the events reported since the last Drain. The slice is
// reused by the next call into the engine: consume it first.
func (e *Engine) Drain() []Event {
	out := e.out
	e.out = e.out[:0]
	return out
}

// NextDeadline returns when the engine next needs Advance, if ever.
func (e *Engine) NextDeadline() (time.Time, bool) {
	tm, ok := e.timers.next()
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, tm.at).UTC(), true
}

// Advance fires every timer due at or before now.
func (e *Engine) Advance(now time.Time) { e.tick(now) }

func (e *Engine) emit(ev Event) {
	ev.At = time.Unix(0, e.now).UTC()
	e.out = append(e.out, ev)
}

func (e *Engine) nextGen() uint64 { e.gen++; return e.gen }
func (e *Engine) nextSeq() uint64 { e.seq++; return e.seq }

// tick moves time to now, firing due timers at their own times.
func (e *Engine) tick(now time.Time) {
	t := now.UnixNano()
	for {
		next, ok := e.timers.next()
		if !ok || next.at > t {
			break
		}
		tm := e.timers.pop()
		if tm.at > e.now {
			e.setNow(tm.at)
		}
		e.fire(tm)
	}
	if t > e.now {
		e.setNow(t)
	}
}

func (e *Engine) setNow(t int64) {
	e.now = t
	if t >= e.dayEnd {
		e.newDay()
	}
}

// newDay recomputes "today" and re-sorts the pools that depend on it.
func (e *Engine) newDay() {
	lt := time.Unix(0, e.now).In(e.loc)
	y, m, d := lt.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, e.loc)
	e.day = start.Unix() / 86400
	e.dayEnd = start.AddDate(0, 0, 1).UnixNano()
	for _, q := range e.queueSeq {
		if q.cfg.Strategy == LeastHandled {
			for i := range q.pools {
				q.pools[i].heapify()
			}
		}
	}
}

func (p *pool) heapify() {
	for i := len(p.h)/2 - 1; i >= 0; i-- {
		siftDown(p, i, len(p.h))
	}
}

func (a *agent) handledOn(day int64) int {
	if a.day != day {
		return 0
	}
	return a.handled
}

func (e *Engine) fire(tm timer) {
	switch tm.kind {
	case timerOffer:
		if c := tm.c; c.state == offered && c.offerGen == tm.gen {
			e.requeue(c, CauseRONA)
		}
	case timerMaxWait:
		if c := tm.c; c.waitGen == tm.gen && !c.callback {
			if c.state == waiting {
				e.overflow(c, CauseMaxWait)
			}
			// While offered, the offer decides; a requeue re-arms the timer.
		}
	case timerRelax:
		if l := tm.l; l.gen == tm.gen {
			e.rearm(l, true)
		}
	case timerWrapUp:
		a := tm.a
		for i := range a.work {
			if w := &a.work[i]; w.wrap && w.gen == tm.gen {
				e.finishWrap(a, i)
				break
			}
		}
	}
}

// addTimer sets a timer; f is the FIFO of a queue's regular delays, or nil.
func (e *Engine) addTimer(at int64, kind timerKind, gen uint64, c *contact, l *line, a *agent, f *fifo) {
	e.timers.add(timer{at: at, seq: e.nextSeq(), kind: kind, gen: gen, c: c, l: l, a: a}, f)
}

// stepAt returns the relaxation step reached after waiting wait.
func (q *queue) stepAt(wait int64) int {
	s := 0
	for s < len(q.relaxAt) && wait >= q.relaxAt[s] {
		s++
	}
	return s
}

// rearm keeps a line's relaxation timer on its head. When the head changed
// (or always, with force) it first offers the head to an agent its wait now
// qualifies it for (a contact behind the old head may have crossed a step
// without a timer of its own), then sets the timer for its next step.
func (e *Engine) rearm(l *line, force bool) {
	q := l.q
	if len(q.relaxAt) == 0 {
		return
	}
	for {
		h := l.peek()
		if h == nil || (!force && l.armed == h.seq) {
			return
		}
		force = false
		l.armed = h.seq
		l.gen = e.nextGen()
		s := q.stepAt(e.now - h.arrival)
		if s > 0 {
			if e.matchContact(h); h.state != waiting {
				continue
			}
		}
		if s < len(q.relaxAt) {
			e.addTimer(h.arrival+q.relaxAt[s], timerRelax, l.gen, nil, l, nil, nil)
		}
		return
	}
}

// ---- contacts ----

func (e *Engine) newContact() *contact {
	if n := len(e.free); n > 0 {
		c := e.free[n-1]
		e.free = e.free[:n-1]
		return c
	}
	return new(contact)
}

func (e *Engine) release(c *contact) {
	delete(e.contacts, c.id)
	*c = contact{idx: -1}
	e.free = append(e.free, c)
}

// Arrive adds a contact to its queue. A new contact (zero Arrival) is
// rejected outside open hours, and overflows when the queue is full; a
// restored contact keeps its arrival and is not checked again.
func (e *Engine) Arrive(now time.Time, spec ContactSpec) error {
	e.tick(now)
	if _, dup := e.contacts[spec.ID]; dup {
		return fmt.Errorf("arrive contact %d: %w", spec.ID, ErrDuplicate)
	}
	q := e.queues[spec.Queue]
	if q == nil {
		return fmt.Errorf("arrive contact %d in queue %d: %w", spec.ID, spec.Queue, ErrUnknownQueue)
	}
	if spec.Tier < 0 || spec.Tier >= len(q.lines) {
		return fmt.Errorf("arrive contact %d: tier %d of queue %d: %w", spec.ID, spec.Tier, spec.Queue, ErrConfig)
	}
	arrival := e.now
	fresh := spec.Arrival.IsZero()
	if !fresh {
		arrival = min(spec.Arrival.UnixNano(), e.now)
	} else {
		if !q.cfg.Hours.IsOpen(time.Unix(0, e.now)) {
			e.emit(Event{Kind: EvRejected, Contact: spec.ID, Queue: q.cfg.ID, Channel: q.cfg.Channel, Cause: CauseClosed})
			return nil
		}
		if q.cfg.MaxWaiting > 0 && q.waiting >= q.cfg.MaxWaiting && !spec.Callback {
			switch q.cfg.Overflow.Action {
			case OverflowQueue:
				if t := e.queues[q.cfg.Overflow.Queue]; t != nil && t != q &&
					(t.cfg.MaxWaiting == 0 || t.waiting < t.cfg.MaxWaiting) {
					e.emit(Event{Kind: EvOverflowed, Contact: spec.ID, Queue: t.cfg.ID, From: q.cfg.ID, Channel: q.cfg.Channel, Cause: CauseFull, Action: OverflowQueue})
					q = t
					spec.Tier = min(spec.Tier, len(t.lines)-1)
					break
				}
				e.emit(Event{Kind: EvRejected, Contact: spec.ID, Queue: q.cfg.ID, Channel: q.cfg.Channel, Cause: CauseFull})
				return nil
			case OverflowCallback:
				spec.Callback = true
				e.emit(Event{Kind: EvOverflowed, Contact: spec.ID, Queue: q.cfg.ID, From: q.cfg.ID, Channel: q.cfg.Channel, Cause: CauseFull, Action: OverflowCallback})
			default:
				e.emit(Event{Kind: EvRejected, Contact: spec.ID, Queue: q.cfg.ID, Channel: q.cfg.Channel, Cause: CauseFull})
				return nil
			}
		}
	}
	c := e.newContact()
	c.id = spec.ID
	c.seq = e.nextSeq()
	c.arrival = arrival
	c.callback = spec.Callback
	e.contacts[c.id] = c
	e.enqueue(c, q, spec.Tier)
	e.emit(Event{Kind: EvQueued, Contact: c.id, Queue: q.cfg.ID, Channel: q.cfg.Channel, Callback: c.callback,
		Position: c.pos, EWT: time.Duration(c.ewt)})
	e.dispatch(c)
	return nil
}

// enqueue puts c in q's line for tier and announces its position and wait.
func (e *Engine) enqueue(c *contact, q *queue, tier int) {
	c.q = q
	c.tier = tier
	c.state = waiting
	c.enqueued = e.now
	c.agent = nil
	l := q.lines[tier]
	l.insert(c)
	q.waiting++
	if e.findAgent(c) != nil {
		c.pos, c.ewt, c.predQL, c.predHOL = 1, 0, 0, -1
	} else {
		c.pos = e.position(c)
		c.predQL, c.predHOL = q.est.predict(c.pos, q)
		c.ewt = q.est.choose(c.predQL, c.predHOL)
	}
	e.armMaxWait(c)
}

func (e *Engine) armMaxWait(c *contact) {
	c.waitGen = e.nextGen()
	if c.q.maxWait > 0 && !c.callback && c.q.cfg.Overflow.Action != OverflowNone {
		e.addTimer(max(c.enqueued+c.q.maxWait, e.now), timerMaxWait, c.waitGen, c, nil, nil, &c.q.fifos[timerMaxWait])
	}
}

// dispatch offers a waiting contact to an agent if one is available, and
// keeps its line's relaxation timer current.
func (e *Engine) dispatch(c *contact) {
	l := c.line
	e.matchContact(c)
	e.rearm(l, false)
}

// unlink takes c out of its line (and its queue's count).
func (e *Engine) unlink(c *contact) {
	l := c.line
	c.q.waiting--
	l.remove(c)
	e.rearm(l, false)
}

// position is 1 + the contacts of c's queue ahead of it by effective priority.
func (e *Engine) position(c *contact) int {
	q := c.q
	own := q.lines[c.tier]
	n := own.ahead(c.idx)
	for _, l := range q.lines {
		if l == own || l.live == 0 {
			continue
		}
		d := l.base - own.base
		switch {
		case q.aging > 0:
			// Contacts of l are ahead if they arrived before arrival + d/aging.
			n += l.aheadOf(c.arrival + int64(d/q.aging))
		case d > 0:
			n += l.live
		case d == 0:
			n += l.aheadOf(c.arrival)
		}
	}
	return n + 1
}

// findAgent returns the best available agent eligible for c, or nil.
func (e *Engine) findAgent(c *contact) *membership {
	q := c.q
	s := q.stepAt(e.now - c.arrival)
	var best *membership
	for i := 0; i <= s && i < len(q.pools); i++ {
		if m := q.pools[i].top(); m != nil && (best == nil || q.better(m, best)) {
			best = m
		}
	}
	return best
}

func (e *Engine) matchContact(c *contact) {
	if c.state != waiting {
		return
	}
	if m := e.findAgent(c); m != nil {
		e.offer(c, m)
	}
}

// effEpsilon is the tolerance of effective-priority comparisons.
const effEpsilon = 1e-9

// settle routes an agent whose work or presence changed: it is offered the
// best contact it can take before it would enter the pools of available
// agents (saving a push and a pop per queue served), and its state change is
// reported.
func (e *Engine) settle(a *agent) {
	if !e.matchAgent(a) {
		e.refresh(a)
	}
	e.noteAgent(a)
}

// matchAgent offers an available agent the best contact it can take and
// reports whether it did.
func (e *Engine) matchAgent(a *agent) bool {
	if a.presence != Ready || a.offer != nil {
		return false
	}
	var best *entry
	var bestM *membership
	var bestEff float64
	for _, m := range a.members {
		q := m.q
		if q.waiting == 0 || !a.availableFor(q.channel) {
			continue
		}
		for _, l := range q.lines {
			h := l.front()
			if h == nil {
				continue
			}
			wait := e.now - h.arrival
			if q.stepAt(wait) < m.from {
				continue
			}
			eff := l.base + q.aging*float64(wait)
			// Priorities within effEpsilon are equal: rounding must not
			// decide a tie that the earlier arrival wins.
			if best == nil || eff > bestEff+effEpsilon || (eff >= bestEff-effEpsilon &&
				(h.arrival < best.arrival || (h.arrival == best.arrival && h.seq < best.seq))) {
				best, bestM, bestEff = h, m, eff
			}
		}
	}
	if best == nil {
		return false
	}
	c := best.c
	l := c.line
	e.offer(c, bestM)
	e.rearm(l, false)
	return true
}

func (e *Engine) offer(c *contact, m *membership) {
	if e.onOffer != nil {
		e.onOffer(c, m)
	}
	a := m.a
	q := c.q
	c.state = offered
	c.line.offered(c)
	c.agent = a
	c.offerGen = e.nextGen()
	a.offer = c
	m.lastOffer = e.nextSeq()
	e.refresh(a)
	e.addTimer(e.now+q.offerTO, timerOffer, c.offerGen, c, nil, nil, &q.fifos[timerOffer])
	e.emit(Event{Kind: EvOffered, Contact: c.id, Agent: a.id, Queue: q.cfg.ID, Channel: q.cfg.Channel,
		Callback: c.callback, Wait: time.Duration(e.now - c.enqueued)})
	e.noteAgent(a)
}

// requeue returns an offered contact to its place and sets the agent not ready.
func (e *Engine) requeue(c *contact, cause Cause) {
	a := c.agent
	e.cancelOffer(c)
	if cause == CauseLogout {
		a.setPresence(LoggedOut)
		a.reason = ""
	} else {
		a.setPresence(NotReady)
		a.reason = cause.String()
	}
	e.refresh(a)
	e.emit(Event{Kind: EvRequeued, Contact: c.id, Agent: a.id, Queue: c.q.cfg.ID, Channel: c.q.cfg.Channel, Cause: cause})
	e.noteAgent(a)
	if c.q.maxWait > 0 && !c.callback {
		e.armMaxWait(c)
	}
	e.dispatch(c)
}

// cancelOffer withdraws c's offer; the agent is free again (not refreshed).
func (e *Engine) cancelOffer(c *contact) *agent {
	a := c.agent
	a.offer = nil
	c.agent = nil
	c.state = waiting
	c.offerGen = 0
	c.line.unoffered(c)
	return a
}

// Accept connects an offered contact to the agent.
func (e *Engine) Accept(now time.Time, id AgentID, cid ContactID) error {
	e.tick(now)
	a, c, err := e.offerOf(id, cid, "accept")
	if err != nil {
		return err
	}
	q := c.q
	c.agent = nil
	a.offer = nil
	e.unlink(c)
	c.state = connected
	c.agent = a
	c.waitGen = 0
	a.work = append(a.work, work{id: c.id, c: c, q: q, ch: q.cfg.Channel})
	a.load[q.cfg.Channel]++
	if a.day != e.day {
		a.day, a.handled = e.day, 0
	}
	a.handled++
	wait := e.now - c.enqueued
	q.est.answered(c, wait, e.now)
	e.emit(Event{Kind: EvConnected, Contact: c.id, Agent: a.id, Queue: q.cfg.ID, Channel: q.cfg.Channel,
		Callback: c.callback, Wait: time.Duration(wait), EWT: time.Duration(c.ewt)})
	e.settle(a)
	return nil
}

// Decline refuses an offer: the contact goes back to its place and the agent
// becomes not ready.
func (e *Engine) Decline(now time.Time, id AgentID, cid ContactID) error {
	e.tick(now)
	_, c, err := e.offerOf(id, cid, "decline")
	if err != nil {
		return err
	}
	e.requeue(c, CauseDeclined)
	return nil
}

func (e *Engine) offerOf(id AgentID, cid ContactID, what string) (*agent, *contact, error) {
	a := e.agents[id]
	if a == nil {
		return nil, nil, fmt.Errorf("%s contact %d by agent %d: %w", what, cid, id, ErrUnknownAgent)
	}
	c := e.contacts[cid]
	if c == nil || a.offer != c {
		return nil, nil, fmt.Errorf("%s contact %d by agent %d: %w", what, cid, id, ErrNoOffer)
	}
	return a, c, nil
}

func (e *Engine) contact(cid ContactID, what string) (*contact, error) {
	c := e.contacts[cid]
	if c == nil {
		return nil, fmt.Errorf("%s contact %d: %w", what, cid, ErrUnknownContact)
	}
	return c, nil
}

// Abandon records that the customer left. A connected contact is ended
// instead (the customer hung up during the conversation).
func (e *Engine) Abandon(now time.Time, cid ContactID) error {
	e.tick(now)
	c, err := e.contact(cid, "abandon")
	if err != nil {
		return err
	}
	if c.state == connected {
		e.end(c)
		return nil
	}
	// An agent freed by the abandon is matched agent-first, after the line
	// has settled: it may have better contacts elsewhere.
	var freed *agent
	if c.state == offered {
		freed = e.cancelOffer(c)
	}
	q := c.q
	e.unlink(c)
	e.emit(Event{Kind: EvAbandoned, Contact: c.id, Queue: q.cfg.ID, Channel: q.cfg.Channel, Callback: c.callback,
		Wait: time.Duration(e.now - c.enqueued), EWT: time.Duration(c.ewt)})
	e.release(c)
	if freed != nil {
		e.settle(freed)
	}
	return nil
}

// RequestCallback turns a waiting contact into a callback that keeps its place.
func (e *Engine) RequestCallback(now time.Time, cid ContactID) error {
	e.tick(now)
	c, err := e.contact(cid, "callback")
	if err != nil {
		return err
	}
	if c.state == connected {
		return fmt.Errorf("callback contact %d: already connected: %w", cid, ErrState)
	}
	if !c.callback {
		c.callback = true
		c.waitGen = e.nextGen() // no maximum wait for a callback
		e.emit(Event{Kind: EvCallbackRequested, Contact: c.id, Queue: c.q.cfg.ID, Channel: c.q.cfg.Channel, Callback: true})
	}
	return nil
}

// Transfer moves a contact to another queue, keeping its original arrival.
// A waiting contact is moved (an offer in progress is withdrawn without
// penalty); a connected one leaves its agent, who wraps up, and waits in the
// new queue. Transfers are not refused for capacity.
func (e *Engine) Transfer(now time.Time, cid ContactID, to QueueID) error {
	e.tick(now)
	c, err := e.contact(cid, "transfer")
	if err != nil {
		return err
	}
	t := e.queues[to]
	if t == nil {
		return fmt.Errorf("transfer contact %d to queue %d: %w", cid, to, ErrUnknownQueue)
	}
	if t.cfg.Channel != c.q.cfg.Channel {
		return fmt.Errorf("transfer contact %d: a %v contact cannot go to %v queue %d: %w", cid, c.q.cfg.Channel, t.cfg.Channel, to, ErrConfig)
	}
	e.move(c, t, Event{Kind: EvTransferred}, nil)
	return nil
}

// TransferToAgent offers a contact to a named agent, in the queue it is in,
// keeping its arrival. The agent must serve that queue (QueueAgents; any
// relaxation step) and be available for its channel now (ready, no offer in
// progress, a free place); otherwise ErrState, and nothing changes. A
// connected contact leaves its agent, who wraps up (EvEnded with Moved), as
// for Transfer. EvTransferred (From = Queue, Agent = the named agent) is
// followed by the offer; if the agent declines or lets it time out, the
// contact waits at its place in the queue for anyone, as after any RONA.
func (e *Engine) TransferToAgent(now time.Time, cid ContactID, to AgentID) error {
	e.tick(now)
	c, err := e.contact(cid, "transfer")
	if err != nil {
		return err
	}
	a := e.agents[to]
	if a == nil {
		return fmt.Errorf("transfer contact %d to agent %d: %w", cid, to, ErrUnknownAgent)
	}
	if c.agent == a {
		return fmt.Errorf("transfer contact %d to agent %d: the agent already has it: %w", cid, to, ErrState)
	}
	i := slices.IndexFunc(a.members, func(m *membership) bool { return m.q == c.q })
	if i < 0 || a.capacity[c.q.cfg.Channel] == 0 {
		return fmt.Errorf("transfer contact %d to agent %d: the agent does not serve queue %d: %w", cid, to, c.q.cfg.ID, ErrState)
	}
	if !a.availableFor(c.q.cfg.Channel) {
		return fmt.Errorf("transfer contact %d to agent %d: the agent is not available: %w", cid, to, ErrState)
	}
	e.move(c, c.q, Event{Kind: EvTransferred, Agent: to}, a.members[i])
	return nil
}

// move takes c from wherever it is into queue t and reports ev; the
// contact is then offered to target when given (it must be available),
// else routed as usual.
func (e *Engine) move(c *contact, t *queue, ev Event, target *membership) {
	from := c.q
	var freed *agent
	switch c.state {
	case offered:
		freed = e.cancelOffer(c)
		e.unlink(c)
	case waiting:
		e.unlink(c)
	case connected:
		freed = c.agent
		e.leaveAgent(c, true)
	}
	e.enqueue(c, t, min(c.tier, len(t.lines)-1))
	ev.Contact, ev.Queue, ev.From, ev.Channel, ev.Callback = c.id, t.cfg.ID, from.cfg.ID, t.cfg.Channel, c.callback
	ev.Position, ev.EWT = c.pos, time.Duration(c.ewt)
	e.emit(ev)
	if target != nil {
		e.offer(c, target)
		e.rearm(c.line, false)
	} else {
		e.dispatch(c)
	}
	if freed != nil {
		// Only now may the freed agent be matched, agent-first.
		e.settle(freed)
	}
}

func (e *Engine) overflow(c *contact, cause Cause) {
	q := c.q
	switch q.cfg.Overflow.Action {
	case OverflowQueue:
		if t := e.queues[q.cfg.Overflow.Queue]; t != nil && t != q && t.cfg.Channel == q.cfg.Channel {
			e.move(c, t, Event{Kind: EvOverflowed, Cause: cause, Action: OverflowQueue}, nil)
			return
		}
		fallthrough
	case OverflowClose:
		e.unlink(c)
		e.emit(Event{Kind: EvOverflowed, Contact: c.id, Queue: q.cfg.ID, From: q.cfg.ID, Channel: q.cfg.Channel,
			Cause: cause, Action: OverflowClose, Wait: time.Duration(e.now - c.enqueued), EWT: time.Duration(c.ewt)})
		e.release(c)
	case OverflowCallback:
		c.callback = true
		c.waitGen = e.nextGen()
		e.emit(Event{Kind: EvOverflowed, Contact: c.id, Queue: q.cfg.ID, From: q.cfg.ID, Channel: q.cfg.Channel,
			Callback: true, Cause: cause, Action: OverflowCallback})
	}
}

// End records that the conversation of a connected contact is over. The
// agent wraps up if the queue has a wrap-up time.
func (e *Engine) End(now time.Time, cid ContactID) error {
	e.tick(now)
	c, err := e.contact(cid, "end")
	if err != nil {
		return err
	}
	if c.state != connected {
		return fmt.Errorf("end contact %d: not connected: %w", cid, ErrState)
	}
	e.end(c)
	return nil
}

func (e *Engine) end(c *contact) {
	a := c.agent
	e.leaveAgent(c, false)
	e.release(c)
	e.settle(a)
}

// leaveAgent detaches a connected contact from its agent, starting wrap-up
// when the queue has one, and reports EvEnded (Moved: the contact is being
// transferred). The caller refreshes the agent.
func (e *Engine) leaveAgent(c *contact, moved bool) {
	a := c.agent
	i := slices.IndexFunc(a.work, func(w work) bool { return w.c == c })
	w := &a.work[i]
	wrap := w.q.wrapUp > 0
	e.emit(Event{Kind: EvEnded, Contact: c.id, Agent: a.id, Queue: w.q.cfg.ID, Channel: w.ch, Callback: c.callback, WrapUp: wrap, Moved: moved})
	c.agent = nil
	w.c = nil
	if wrap {
		w.wrap = true
		w.gen = e.nextGen()
		e.addTimer(e.now+w.q.wrapUp, timerWrapUp, w.gen, nil, nil, a, &w.q.fifos[timerWrapUp])
	} else {
		e.dropWork(a, i)
	}
}

func (e *Engine) dropWork(a *agent, i int) {
	a.load[a.work[i].ch]--
	a.work = slices.Delete(a.work, i, i+1)
	if a.busy() == 0 {
		a.idleSince = e.now
	}
}

// FinishWrapUp ends an agent's after-contact work early (the agent saved the
// disposition).
func (e *Engine) FinishWrapUp(now time.Time, id AgentID, cid ContactID) error {
	e.tick(now)
	a := e.agents[id]
	if a == nil {
		return fmt.Errorf("finish wrap-up of contact %d by agent %d: %w", cid, id, ErrUnknownAgent)
	}
	i := slices.IndexFunc(a.work, func(w work) bool { return w.wrap && w.id == cid })
	if i < 0 {
		return fmt.Errorf("finish wrap-up of contact %d by agent %d: not in wrap-up: %w", cid, id, ErrState)
	}
	e.finishWrap(a, i)
	return nil
}

func (e *Engine) finishWrap(a *agent, i int) {
	w := a.work[i]
	e.dropWork(a, i)
	e.emit(Event{Kind: EvWrapUpDone, Contact: w.id, Agent: a.id, Queue: w.q.cfg.ID, Channel: w.ch})
	e.settle(a)
}

// ---- agents ----

func (a *agent) busy() int {
	n := 0
	for _, l := range a.load {
		n += l
	}
	return n
}

// setPresence changes the presence, keeping the queues' staffed counts.
func (a *agent) setPresence(p Presence) {
	if (a.presence == LoggedOut) != (p == LoggedOut) {
		d := 1
		if p == LoggedOut {
			d = -1
		}
		for _, m := range a.members {
			m.q.staffed += d
		}
	}
	a.presence = p
}

// availableFor reports whether the agent can be offered a contact of ch.
func (a *agent) availableFor(ch Channel) bool {
	if a.presence != Ready || a.offer != nil || a.load[ch] >= a.capacity[ch] {
		return false
	}
	if !a.blend {
		for o, l := range a.load {
			if Channel(o) != ch && l > 0 {
				return false
			}
		}
	}
	return true
}

// refresh puts the agent in, or takes it out of, the pools of its queues.
func (e *Engine) refresh(a *agent) {
	for _, m := range a.members {
		p := &m.q.pools[m.from]
		want := a.availableFor(m.q.cfg.Channel)
		switch {
		case want && m.hidx < 0:
			p.push(m)
		case want:
			p.fix(m)
		case m.hidx >= 0:
			p.remove(m)
		}
	}
}

func (a *agent) state() AgentState {
	if a.presence == LoggedOut && len(a.work) == 0 && a.offer == nil {
		return StateLoggedOut
	}
	if a.offer != nil {
		return StateOffered
	}
	wrap := false
	for _, w := range a.work {
		if !w.wrap {
			return StateBusy
		}
		wrap = true
	}
	switch {
	case wrap:
		return StateWrapUp
	case a.presence == Ready:
		return StateReady
	case a.presence == LoggedOut:
		return StateLoggedOut
	}
	return StateNotReady
}

// noteAgent reports the agent's state if it changed: its state, its
// chosen presence (which a busy agent returns to) or its not-ready reason.
func (e *Engine) noteAgent(a *agent) {
	s := a.state()
	reason := ""
	if a.presence == NotReady {
		reason = a.reason
	}
	if s == a.lastState && reason == a.lastReason && a.presence == a.lastPresence {
		return
	}
	a.lastState, a.lastReason, a.lastPresence = s, reason, a.presence
	e.emit(Event{Kind: EvAgentState, Agent: a.id, State: s, Presence: a.presence, Reason: reason})
}

// SetPresence sets the state an agent chooses: Ready, NotReady (with a
// reason) or LoggedOut. Contacts in progress continue; an offer in progress
// stays open, except at log-out, where its contact goes back to its place.
func (e *Engine) SetPresence(now time.Time, id AgentID, p Presence, reason string) error {
	e.tick(now)
	a := e.agents[id]
	if a == nil {
		return fmt.Errorf("set presence of agent %d: %w", id, ErrUnknownAgent)
	}
	if p > NotReady {
		return fmt.Errorf("set presence of agent %d: presence %d: %w", id, p, ErrState)
	}
	if p == LoggedOut && a.offer != nil {
		e.requeue(a.offer, CauseLogout)
	}
	if p == Ready && a.presence != Ready && a.busy() == 0 {
		a.idleSince = e.now
	}
	a.setPresence(p)
	a.reason = reason
	if p != NotReady {
		a.reason = ""
	}
	e.settle(a)
	return nil
}

// SetAgent adds an agent (logged out) or changes one's skills, capacities
// and queues; an agent's presence and work are kept.
func (e *Engine) SetAgent(cfg AgentConfig) error {
	for s, lv := range cfg.Skills {
		if lv < 1 || lv > MaxLevel {
			return fmt.Errorf("set agent %d: skill %d level %d not in 1-%d: %w", cfg.ID, s, lv, MaxLevel, ErrConfig)
		}
	}
	if cfg.VoiceCapacity < 0 || cfg.ChatCapacity < 0 || cfg.VoiceCapacity > 1 {
		return fmt.Errorf("set agent %d: capacities voice %d chat %d (voice is 0 or 1): %w", cfg.ID, cfg.VoiceCapacity, cfg.ChatCapacity, ErrConfig)
	}
	cfg.Skills = maps.Clone(cfg.Skills)
	cfg.Queues = slices.Clone(cfg.Queues)
	a := e.agents[cfg.ID]
	if a == nil {
		a = &agent{id: cfg.ID, seq: e.nextSeq(), idleSince: e.now}
		e.agents[cfg.ID] = a
		e.agentSeq = append(e.agentSeq, a)
	}
	a.cfg = cfg
	a.blend = cfg.Blend
	a.capacity = [numChannels]int{Voice: cfg.VoiceCapacity, Chat: cfg.ChatCapacity}
	if cfg.VoiceCapacity == 0 && cfg.ChatCapacity == 0 {
		a.capacity[Voice] = 1
	}
	e.rebuildAgent(a)
	e.matchAgent(a)
	return nil
}

// rebuildAgent recomputes the queues an agent serves.
func (e *Engine) rebuildAgent(a *agent) {
	old := a.members
	for _, m := range old {
		if m.hidx >= 0 {
			m.q.pools[m.from].remove(m)
		}
		m.q.members = slices.DeleteFunc(m.q.members, func(x *membership) bool { return x == m })
		if a.presence != LoggedOut {
			m.q.staffed--
		}
	}
	// The memberships live in one block, read in sequence by every routing
	// decision of the agent.
	var block []membership
	for _, q := range e.queueSeq {
		if a.cfg.Queues != nil && !slices.Contains(a.cfg.Queues, q.cfg.ID) {
			continue
		}
		from, score := q.eligibility(a.cfg.Skills)
		if from < 0 {
			continue
		}
		m := membership{a: a, q: q, from: from, score: score, hidx: -1}
		for _, o := range old {
			if o.q == q {
				m.lastOffer = o.lastOffer
			}
		}
		block = append(block, m)
	}
	a.members = make([]*membership, len(block))
	for i := range block {
		m := &block[i]
		a.members[i] = m
		m.q.members = append(m.q.members, m)
		if a.presence != LoggedOut {
			m.q.staffed++
		}
	}
	e.refresh(a)
}

// eligibility returns the first step at which skills qualify (-1: never)
// and the sum of levels on the queue's base skills.
func (q *queue) eligibility(skills map[SkillID]int) (int, int) {
	score := 0
	for _, r := range q.cfg.Skills {
		score += skills[r.Skill]
	}
	if meets(skills, q.cfg.Skills) {
		return 0, score
	}
	for i, st := range q.cfg.Relax {
		if meets(skills, st.Skills) {
			return i + 1, score
		}
	}
	return -1, score
}

func meets(skills map[SkillID]int, reqs []SkillReq) bool {
	for _, r := range reqs {
		if skills[r.Skill] < r.MinLevel || skills[r.Skill] == 0 {
			return false
		}
	}
	return true
}

// ---- queues ----

// SetQueue adds a queue or changes one. The channel, and the number of
// tiers while contacts wait, cannot change.
func (e *Engine) SetQueue(cfg QueueConfig) error {
	if err := validateQueue(cfg); err != nil {
		return err
	}
	cfg.Skills = slices.Clone(cfg.Skills)
	cfg.Relax = slices.Clone(cfg.Relax)
	cfg.Tiers = slices.Clone(cfg.Tiers)
	if len(cfg.Tiers) == 0 {
		cfg.Tiers = []Tier{{Name: "standard"}}
	}
	q := e.queues[cfg.ID]
	if q == nil {
		q = &queue{e: e}
		for i := range q.fifos {
			q.fifos[i].hidx = -1
		}
		e.queues[cfg.ID] = q
		e.queueSeq = append(e.queueSeq, q)
	} else {
		if cfg.Channel != q.cfg.Channel {
			return fmt.Errorf("set queue %d: the channel cannot change: %w", cfg.ID, ErrConfig)
		}
		if q.waiting > 0 && len(cfg.Tiers) != len(q.lines) {
			return fmt.Errorf("set queue %d: tiers cannot change while contacts wait: %w", cfg.ID, ErrState)
		}
	}
	q.cfg = cfg
	q.channel = cfg.Channel
	q.aging = cfg.AgingPerMinute / float64(time.Minute)
	q.offerTO = int64(cmpOr(cfg.OfferTimeout, DefaultOfferTimeout))
	q.wrapUp = int64(cfg.WrapUp)
	q.maxWait = int64(cfg.MaxWait)
	q.relaxAt = q.relaxAt[:0]
	for _, r := range cfg.Relax {
		q.relaxAt = append(q.relaxAt, int64(r.After))
	}
	for len(q.lines) < len(cfg.Tiers) {
		q.lines = append(q.lines, &line{q: q, tier: len(q.lines)})
	}
	q.lines = q.lines[:len(cfg.Tiers)]
	for i, l := range q.lines {
		l.base = float64(cfg.Priority + cfg.Tiers[i].Priority)
	}
	for _, m := range q.members {
		if m.hidx >= 0 {
			q.pools[m.from].remove(m)
		}
	}
	q.pools = make([]pool, len(cfg.Relax)+1)
	for i := range q.pools {
		q.pools[i].q = q
	}
	for _, a := range e.agentSeq {
		e.rebuildAgent(a)
	}
	for _, l := range q.lines {
		e.rearm(l, true)
	}
	for _, a := range e.agentSeq {
		e.matchAgent(a)
	}
	return nil
}

func validateQueue(cfg QueueConfig) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("set queue %d: %s: %w", cfg.ID, fmt.Sprintf(format, args...), ErrConfig)
	}
	if cfg.Channel >= numChannels {
		return bad("channel %d", cfg.Channel)
	}
	if cfg.Strategy > RoundRobin {
		return bad("strategy %d", cfg.Strategy)
	}
	if cfg.SLTarget < 0 || cfg.SLTarget > 1 {
		return bad("service-level target %v not in 0-1", cfg.SLTarget)
	}
	if cfg.MaxWait < 0 || cfg.MaxWaiting < 0 || cfg.OfferTimeout < 0 || cfg.WrapUp < 0 || cfg.AgingPerMinute < 0 {
		return bad("negative duration, count or aging")
	}
	check := func(reqs []SkillReq) error {
		for _, r := range reqs {
			if r.MinLevel < 1 || r.MinLevel > MaxLevel {
				return bad("skill %d minimum level %d not in 1-%d", r.Skill, r.MinLevel, MaxLevel)
			}
		}
		return nil
	}
	if err := check(cfg.Skills); err != nil {
		return err
	}
	var last time.Duration
	for i, r := range cfg.Relax {
		if r.After <= last {
			return bad("relaxation step %d after %v: steps must come later and later", i+1, r.After)
		}
		last = r.After
		if err := check(r.Skills); err != nil {
			return err
		}
	}
	if cfg.Overflow.Action > OverflowClose {
		return bad("overflow action %d", cfg.Overflow.Action)
	}
	if cfg.Overflow.Action == OverflowQueue && cfg.Overflow.Queue == cfg.ID {
		return bad("overflow to itself")
	}
	if err := cfg.Hours.Validate(); err != nil {
		return fmt.Errorf("set queue %d: %w", cfg.ID, err)
	}
	return nil
}

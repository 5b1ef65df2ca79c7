package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
)

type evKind uint8

const (
	evArrival evKind = iota
	evEnd
	evAbandon
	evInterval
)

type simEv struct {
	at   int64
	seq  uint64
	kind evKind
	id   int64
}

type evHeap []simEv

func (h evHeap) less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h *evHeap) push(e simEv) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *evHeap) pop() simEv {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	*h = s
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	return top
}

type contactInfo struct {
	arrival  int64
	interval int32
	done     bool
}

type agentInfo struct {
	loggedIn bool
	state    acd.AgentState
	since    int64
}

type runner struct {
	cfg      Config
	rng      *rand.Rand
	eng      *acd.Engine
	heap     evHeap
	seq      uint64
	start    int64
	step     int64
	end      int64
	sl       time.Duration
	contacts []contactInfo
	agents   []agentInfo
	res      Result
	buf      []acd.Event
	interval int // current interval
	loggedIn int
}

const queueID = acd.QueueID(1)

// Run simulates cfg and returns its figures.
func Run(cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Batches <= 1 {
		cfg.Batches = 20
	}
	r := &runner{
		cfg:   cfg,
		rng:   rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		eng:   acd.New(acd.Config{}),
		start: cfg.Start.UnixNano(),
		step:  int64(cfg.Interval),
	}
	r.end = r.start + r.step*int64(cfg.Intervals)
	r.res.Intervals = make([]Stats, cfg.Intervals)
	q := cfg.Queue
	q.ID = queueID
	if q.SLThreshold == 0 {
		q.SLThreshold = 20 * time.Second
	}
	r.sl = q.SLThreshold
	if q.Overflow.Action == acd.OverflowQueue {
		return Result{}, fmt.Errorf("simulate: overflow to another queue is not simulated")
	}
	if err := r.eng.SetQueue(q); err != nil {
		return Result{}, fmt.Errorf("simulate: %w", err)
	}
	maxStaff := 0
	for i := 0; i < cfg.Intervals; i++ {
		maxStaff = max(maxStaff, at(cfg.Staff, i))
	}
	skills := make(map[acd.SkillID]int)
	for _, s := range q.Skills {
		skills[s.Skill] = acd.MaxLevel
	}
	r.agents = make([]agentInfo, maxStaff+1)
	for id := 1; id <= maxStaff; id++ {
		if err := r.eng.SetAgent(acd.AgentConfig{ID: acd.AgentID(id), Skills: skills, VoiceCapacity: 1}); err != nil {
			return Result{}, fmt.Errorf("simulate: %w", err)
		}
		r.agents[id].since = r.start
	}
	if expected := r.expectedContacts(); expected < 1<<26 {
		r.contacts = make([]contactInfo, 1, int(expected*1.1)+16)
	}
	r.push(r.start, evInterval, 0)
	r.scheduleArrival(r.start)
	if err := r.loop(); err != nil {
		return Result{}, err
	}
	r.finish()
	return r.res, nil
}

func (r *runner) expectedContacts() float64 {
	total := 0.0
	for i := 0; i < r.cfg.Intervals; i++ {
		total += at(r.cfg.Rates, i)
	}
	return total
}

func (r *runner) push(t int64, k evKind, id int64) {
	r.seq++
	r.heap.push(simEv{at: t, seq: r.seq, kind: k, id: id})
}

// scheduleArrival draws the next Poisson arrival after t, the rate being
// constant within an interval (memorylessness makes restarting at an
// interval boundary exact).
func (r *runner) scheduleArrival(t int64) {
	for t < r.end {
		i := int((t - r.start) / r.step)
		bound := r.start + int64(i+1)*r.step
		rate := at(r.cfg.Rates, i) / float64(r.step) // per ns
		if rate > 0 {
			next := t + int64(r.rng.ExpFloat64()/rate)
			if next < bound {
				r.push(next, evArrival, 0)
				return
			}
		}
		t = bound
	}
}

func (r *runner) loop() error {
	for {
		dl, hasDL := r.eng.NextDeadline()
		if len(r.heap) == 0 && !hasDL {
			return nil
		}
		if hasDL && (len(r.heap) == 0 || dl.UnixNano() < r.heap[0].at) {
			r.eng.Advance(dl)
			if err := r.drain(); err != nil {
				return err
			}
			continue
		}
		ev := r.heap.pop()
		now := time.Unix(0, ev.at)
		var err error
		switch ev.kind {
		case evInterval:
			if err := r.newInterval(int(ev.id), ev.at); err != nil {
				return err
			}
			continue
		case evArrival:
			id := int64(len(r.contacts))
			i := int32((ev.at - r.start) / r.step)
			r.contacts = append(r.contacts, contactInfo{arrival: ev.at, interval: i})
			r.res.Intervals[i].Offered++
			err = r.eng.Arrive(now, acd.ContactSpec{ID: acd.ContactID(id), Queue: queueID})
			if r.cfg.Patience != nil {
				r.push(ev.at+int64(r.cfg.Patience.Sample(r.rng)), evAbandon, id)
			}
			r.scheduleArrival(ev.at)
		case evEnd:
			err = r.eng.End(now, acd.ContactID(ev.id))
		case evAbandon:
			if !r.contacts[ev.id].done {
				err = r.eng.Abandon(now, acd.ContactID(ev.id))
			}
		}
		if err != nil {
			return fmt.Errorf("simulate at %v: %w", now, err)
		}
		if err := r.drain(); err != nil {
			return err
		}
	}
}

// drain reacts to the engine's events until it has nothing more to say.
func (r *runner) drain() error {
	for {
		evs := r.eng.Drain()
		if len(evs) == 0 {
			return nil
		}
		r.buf = append(r.buf[:0], evs...)
		for i := range r.buf {
			if err := r.handle(&r.buf[i]); err != nil {
				return err
			}
		}
	}
}

func (r *runner) handle(ev *acd.Event) error {
	r.res.Events++
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(*ev)
	}
	now := ev.At.UnixNano()
	switch ev.Kind {
	case acd.EvOffered:
		if err := r.eng.Accept(ev.At, ev.Agent, ev.Contact); err != nil {
			return fmt.Errorf("simulate: accept: %w", err)
		}
	case acd.EvConnected:
		c := &r.contacts[ev.Contact]
		c.done = true
		s := &r.res.Intervals[c.interval]
		s.Answered++
		s.WaitSum += ev.Wait
		if ev.Wait <= r.sl {
			s.WithinSL++
		}
		r.push(now+int64(r.cfg.Handle.Sample(r.rng)), evEnd, int64(ev.Contact))
	case acd.EvAbandoned, acd.EvRejected:
		c := &r.contacts[ev.Contact]
		c.done = true
		r.res.Intervals[c.interval].Abandoned++
	case acd.EvOverflowed:
		if ev.Action == acd.OverflowClose {
			c := &r.contacts[ev.Contact]
			c.done = true
			r.res.Intervals[c.interval].Abandoned++
		}
	case acd.EvAgentState:
		a := &r.agents[ev.Agent]
		r.account(a, now)
		a.state = ev.State
	}
	return nil
}

// account adds an agent's time since its last change to the current interval.
func (r *runner) account(a *agentInfo, now int64) {
	if now > r.end {
		now = r.end
	}
	if d := now - a.since; d > 0 && a.state != acd.StateLoggedOut && r.interval < len(r.res.Intervals) {
		s := &r.res.Intervals[r.interval]
		s.StaffedTime += time.Duration(d)
		switch a.state {
		case acd.StateBusy, acd.StateWrapUp, acd.StateOffered:
			s.BusyTime += time.Duration(d)
		}
	}
	if now > a.since {
		a.since = now
	}
}

// newInterval closes the previous interval's agent time and applies the
// staffing of interval i.
func (r *runner) newInterval(i int, t int64) error {
	for id := 1; id < len(r.agents); id++ {
		r.account(&r.agents[id], t)
	}
	r.interval = i
	if i >= r.cfg.Intervals {
		return nil
	}
	want := at(r.cfg.Staff, i)
	now := time.Unix(0, t)
	for id := 1; id < len(r.agents) && r.loggedIn < want; id++ {
		if a := &r.agents[id]; !a.loggedIn {
			a.loggedIn = true
			r.loggedIn++
			if err := r.eng.SetPresence(now, acd.AgentID(id), acd.Ready, ""); err != nil {
				return fmt.Errorf("simulate: log in agent %d: %w", id, err)
			}
		}
	}
	for id := len(r.agents) - 1; id >= 1 && r.loggedIn > want; id-- {
		if a := &r.agents[id]; a.loggedIn {
			a.loggedIn = false
			r.loggedIn--
			if err := r.eng.SetPresence(now, acd.AgentID(id), acd.LoggedOut, ""); err != nil {
				return fmt.Errorf("simulate: log out agent %d: %w", id, err)
			}
		}
	}
	r.push(t+r.step, evInterval, int64(i+1))
	return r.drain()
}

// finish adds up the intervals after warm-up and the confidence intervals.
func (r *runner) finish() {
	for _, c := range r.contacts[1:] {
		if !c.done {
			r.res.Unfinished++
		}
	}
	kept := r.res.Intervals[r.cfg.Warmup:]
	for _, s := range kept {
		r.res.Total.add(s)
	}
	b := min(r.cfg.Batches, len(kept))
	if b < 2 {
		return
	}
	var sl, ab, asa, occ []float64
	for k := 0; k < b; k++ {
		var s Stats
		for _, x := range kept[k*len(kept)/b : (k+1)*len(kept)/b] {
			s.add(x)
		}
		sl = append(sl, s.ServiceLevel())
		ab = append(ab, s.AbandonRate())
		asa = append(asa, float64(s.ASA()))
		occ = append(occ, s.Occupancy())
	}
	r.res.SLHalfWidth = halfWidth(sl)
	r.res.AbandonHalfWidth = halfWidth(ab)
	r.res.ASAHalfWidth = time.Duration(halfWidth(asa))
	r.res.OccupancyHalfWidth = halfWidth(occ)
}

// halfWidth is the 95% confidence half-width of the mean of xs (Student t).
func halfWidth(xs []float64) float64 {
	n := float64(len(xs))
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= n
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / (n - 1))
	return studentT975(len(xs)-1) * sd / math.Sqrt(n)
}

// studentT975 is the 97.5% quantile of Student's t with df degrees of freedom.
func studentT975(df int) float64 {
	table := []float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df < len(table) {
		return table[df]
	}
	return 1.96 + 2.4/float64(df)
}

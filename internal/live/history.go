package live

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// HistoryPlan is a past to play through a live center under a virtual
// clock: customers' chats arrive, wait, leave, ask to be written back and
// rate their conversations; agents work their shifts, take breaks, miss
// offers now and then, talk and wrap up. Everything goes through the same
// engine, owner and store code as live contacts, only faster than life.
type HistoryPlan struct {
	TenantID int64
	From, To time.Time
	Seed     uint64
	// PerHour is the mean number of chats arriving per hour in a queue at
	// a time (a Poisson process, drawn per 15-minute interval).
	PerHour func(q model.Queue, at time.Time) float64
	// OnShift reports whether an agent works at a time.
	OnShift func(a model.Agent, at time.Time) bool
	// Means of the conversation, of the after-contact work and of the
	// customers' patience (exponential, log-normal for the conversation).
	Handle, WrapUp, Patience time.Duration
	// Shares (0-1): of answered contacts rated, of waiting ones asking to be
	// written back, of waiting ones a supervisor moves to another queue, of
	// offers an agent misses (RONA), and the chance an agent takes a
	// 15-minute break in an hour of work.
	Survey, Callback, Move, Missed, Break float64
	// Customers is the number of distinct customers (repeat contacts make
	// the first-contact resolution figures).
	Customers int
}

// HistoryResult counts what was played.
type HistoryResult struct {
	Contacts, Answered, Abandoned, Surveys int
}

// vclock is the virtual clock of a played history.
type vclock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *vclock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *vclock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type action struct {
	at  time.Time
	seq int
	fn  func() error
}

type actions []action

func (a actions) Len() int { return len(a) }
func (a actions) Less(i, j int) bool {
	if !a[i].at.Equal(a[j].at) {
		return a[i].at.Before(a[j].at)
	}
	return a[i].seq < a[j].seq
}
func (a actions) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a *actions) Push(x any)   { *a = append(*a, x.(action)) }
func (a *actions) Pop() any {
	old := *a
	x := old[len(old)-1]
	*a = old[:len(old)-1]
	return x
}

// historyPlayer is one run of PlayHistory.
type historyPlayer struct {
	plan    HistoryPlan
	st      *store.Store
	c       *Center
	clock   *vclock
	rnd     *rand.Rand
	queue   actions
	seq     int
	ctx     context.Context
	queues  []model.Queue
	entries map[int64]int64 // queue -> chat entry point
	agents  []model.Agent
	// What the player already acted on, by contact: an offer seen, a
	// conversation given its end, a wrap-up given its end.
	offers  map[[2]int64]bool
	ending  map[int64]bool
	wrapped map[int64]bool
	onShift map[int64]bool
	onBreak map[int64]bool
	backing map[int64]bool // agents made not ready by a missed offer, about to be ready again
	res     HistoryResult
}

// PlayHistory plays plan through a new live center over st. The tenant
// must have no open contact; when it returns, every contact played is
// over and every agent signed out. It takes about a millisecond per
// contact on SQLite with synchronous=normal.
func PlayHistory(ctx context.Context, st *store.Store, plan HistoryPlan, log *slog.Logger) (HistoryResult, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !plan.From.Before(plan.To) {
		return HistoryResult{}, errors.New("play history: From must be before To")
	}
	if plan.PerHour == nil || plan.OnShift == nil {
		return HistoryResult{}, errors.New("play history: PerHour and OnShift are required")
	}
	open, err := st.ListOpenInteractions(ctx)
	if err != nil {
		return HistoryResult{}, fmt.Errorf("play history: %w", err)
	}
	for _, in := range open {
		if in.TenantID == plan.TenantID {
			return HistoryResult{}, fmt.Errorf("play history: tenant %d has open contacts", plan.TenantID)
		}
	}
	p := &historyPlayer{plan: plan, st: st, clock: &vclock{t: plan.From}, rnd: rand.New(rand.NewPCG(plan.Seed, 0x9e3779b97f4a7c15)),
		ctx: ctx, entries: map[int64]int64{}, offers: map[[2]int64]bool{}, ending: map[int64]bool{}, wrapped: map[int64]bool{},
		onShift: map[int64]bool{}, onBreak: map[int64]bool{}, backing: map[int64]bool{}}
	if p.plan.Customers <= 0 {
		p.plan.Customers = 500
	}
	if p.queues, err = st.ListQueues(ctx, plan.TenantID); err != nil {
		return HistoryResult{}, fmt.Errorf("play history: %w", err)
	}
	if p.agents, err = st.ListAgents(ctx, plan.TenantID); err != nil {
		return HistoryResult{}, fmt.Errorf("play history: %w", err)
	}
	eps, err := st.ListEntryPoints(ctx, plan.TenantID)
	if err != nil {
		return HistoryResult{}, fmt.Errorf("play history: %w", err)
	}
	for _, ep := range eps {
		if ep.Kind == model.EntryChat {
			if _, ok := p.entries[ep.QueueID]; !ok {
				p.entries[ep.QueueID] = ep.ID
			}
		}
	}
	p.c, err = New(ctx, st, Options{Now: p.clock.now, Logger: log.With("part", "history")})
	if err != nil {
		return HistoryResult{}, fmt.Errorf("play history: %w", err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- p.c.Run(runCtx) }()
	defer func() {
		stop()
		<-done
	}()
	for _, a := range p.agents {
		a := a
		if err := p.c.do(ctx, func(o *owner) error { return o.attachAgent(a, firstName(a.Name), nil) }); err != nil {
			return HistoryResult{}, fmt.Errorf("play history: sign in agent %d: %w", a.ID, err)
		}
	}
	for t := kpi.Bucket(plan.From); t.Before(plan.To); t = t.Add(kpi.Interval) {
		p.at(t, p.interval(t))
	}
	if err := p.run(); err != nil {
		return p.res, err
	}
	return p.res, nil
}

func firstName(name string) string {
	for i, r := range name {
		if r == ' ' {
			return name[:i]
		}
	}
	return name
}

func (p *historyPlayer) at(t time.Time, fn func() error) {
	p.seq++
	heap.Push(&p.queue, action{at: t, seq: p.seq, fn: fn})
}

// do runs fn on the center's owner goroutine, after the engine's timers
// due by now fired.
func (p *historyPlayer) do(fn func(o *owner) error) error {
	if err := p.c.do(p.ctx, func(*owner) error { return nil }); err != nil {
		return err
	}
	return p.c.do(p.ctx, fn)
}

// run plays the actions in time order, stopping the clock at each of the
// engine's own deadlines (offer timeouts, wrap-ups, relaxation), until the
// plan is over and every contact ended.
func (p *historyPlayer) run() error {
	end := p.plan.To.Add(6 * time.Hour) // stragglers: time to finish, none arrive
	for {
		now := p.clock.now()
		var wake time.Duration
		open := 0
		if err := p.c.do(p.ctx, func(o *owner) error {
			wake = o.nextWake(now)
			for _, rec := range o.contacts {
				if rec.in.TenantID == p.plan.TenantID {
					open++
				}
			}
			return nil
		}); err != nil {
			return err
		}
		next := now.Add(max(wake, time.Millisecond))
		if len(p.queue) > 0 && !p.queue[0].at.After(next) {
			next = p.queue[0].at
		}
		if len(p.queue) == 0 && open == 0 || next.After(end) {
			return p.signOutAll()
		}
		p.clock.set(next)
		if len(p.queue) > 0 && p.queue[0].at.Equal(next) {
			a := heap.Pop(&p.queue).(action)
			if err := a.fn(); err != nil {
				return err
			}
		} else if err := p.do(func(*owner) error { return nil }); err != nil {
			return err
		}
		if err := p.observe(); err != nil {
			return err
		}
	}
}

func (p *historyPlayer) signOutAll() error {
	return p.do(func(o *owner) error {

		for _, a := range p.agents {
			if st, _ := o.eng.AgentState(acd.AgentID(a.ID)); st != acd.StateLoggedOut {
				if err := o.eng.SetPresence(o.c.now(), acd.AgentID(a.ID), acd.LoggedOut, ""); err != nil {
					return fmt.Errorf("sign out agent %d: %w", a.ID, err)
				}
			}
		}
		return nil
	})
}

// exp draws an exponential duration of mean m.
func (p *historyPlayer) exp(m time.Duration) time.Duration {
	return time.Duration(p.rnd.ExpFloat64() * float64(m))
}

// logNormal draws a log-normal duration of mean m and coefficient of variation 0.8.
func (p *historyPlayer) logNormal(m time.Duration) time.Duration {
	const cv = 0.8
	s2 := math.Log(1 + cv*cv)
	mu := math.Log(float64(m)) - s2/2
	return time.Duration(math.Exp(mu + math.Sqrt(s2)*p.rnd.NormFloat64()))
}

func (p *historyPlayer) poisson(mean float64) int {
	n, l, prod := 0, math.Exp(-mean), p.rnd.Float64()
	for prod > l {
		n++
		prod *= p.rnd.Float64()
	}
	return n
}

// interval starts a 15-minute interval: shifts and breaks, and its arrivals.
func (p *historyPlayer) interval(t time.Time) func() error {
	return func() error {
		for _, a := range p.agents {
			on := p.plan.OnShift(a, t)
			id := acd.AgentID(a.ID)
			switch {
			case on && !p.onShift[a.ID]:
				p.onShift[a.ID] = true
				if err := p.presence(id, acd.Ready, ""); err != nil {
					return err
				}
			case !on && p.onShift[a.ID]:
				p.onShift[a.ID] = false
				if err := p.presence(id, acd.LoggedOut, ""); err != nil {
					return err
				}
			case on && !p.onBreak[a.ID] && p.rnd.Float64() < p.plan.Break/4:
				p.onBreak[a.ID] = true
				at := t.Add(time.Duration(p.rnd.Int64N(int64(kpi.Interval))))
				p.at(at, func() error { return p.presence(id, acd.NotReady, "break") })
				p.at(at.Add(15*time.Minute), func() error {
					p.onBreak[a.ID] = false
					if !p.onShift[a.ID] {
						return nil
					}
					return p.presence(id, acd.Ready, "")
				})
			}
		}
		for _, q := range p.queues {
			if q.Channel != model.ChannelChat || p.entries[q.ID] == 0 {
				continue
			}
			n := p.poisson(p.plan.PerHour(q, t) / 4)
			for range n {
				q := q
				p.at(t.Add(time.Duration(p.rnd.Int64N(int64(kpi.Interval)))), func() error { return p.arrive(q) })
			}
		}
		return nil
	}
}

// presence sets an agent's presence; an agent still holding contacts who
// should sign out goes not ready first and signs out once free.
func (p *historyPlayer) presence(id acd.AgentID, pr acd.Presence, reason string) error {
	retry := false
	err := p.do(func(o *owner) error {
		if pr == acd.LoggedOut {
			for _, rec := range o.contacts {
				if rec.agent == id && rec.state != cWaiting {
					retry = true
					return o.eng.SetPresence(o.c.now(), id, acd.NotReady, "end_of_shift")
				}
			}
		}
		if st, r := o.eng.AgentState(id); pr == acd.Ready && (st == acd.StateBusy || st == acd.StateOffered || st == acd.StateWrapUp) && r == "" {
			return nil // working already
		}
		return o.eng.SetPresence(o.c.now(), id, pr, reason)
	})
	if errors.Is(err, acd.ErrState) {
		err = nil
	}
	if retry {
		p.at(p.clock.now().Add(time.Minute), func() error {
			if p.onShift[int64(id)] {
				return nil
			}
			return p.presence(id, acd.LoggedOut, "")
		})
	}
	return err
}

var historyNames = []string{"Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gabrielle", "Hamid", "Isabelle", "Jules",
	"Karima", "Louis", "Manon", "Nicolas", "Océane", "Pierre", "Quentin", "Rania", "Samuel", "Thomas", "Ursule", "Victor", "Yasmine", "Zoé"}

// arrive stores a chat and queues it, as a customer's start does.
func (p *historyPlayer) arrive(q model.Queue) error {
	n := p.rnd.IntN(p.plan.Customers)
	cust := model.Customer{Name: historyNames[n%len(historyNames)], Email: fmt.Sprintf("client%04d@example.org", n)}
	if n%3 == 0 {
		cust.Phone = fmt.Sprintf("+3361%07d", n)
	}
	ep := p.entries[q.ID]
	in := model.Interaction{QueueID: q.ID, Channel: model.ChannelChat, Customer: cust, ArrivedAt: p.clock.now(), EntryPointID: &ep}
	id, err := p.st.CreateInteraction(p.ctx, p.plan.TenantID, in)
	if err != nil {
		return fmt.Errorf("play history: store a chat: %w", err)
	}
	p.res.Contacts++
	in.ID, in.TenantID, in.State = id, p.plan.TenantID, model.StateQueued
	rec := &contactRec{in: in, queue: acd.QueueID(q.ID)}
	if err := p.do(func(o *owner) error { return o.arrive(rec) }); err != nil {
		return fmt.Errorf("play history: route a chat: %w", err)
	}
	cid := acd.ContactID(id)
	now := p.clock.now()
	patience := p.exp(p.plan.Patience)
	switch r := p.rnd.Float64(); {
	case r < p.plan.Callback:
		p.at(now.Add(time.Duration(20+p.rnd.IntN(60))*time.Second), func() error {
			return p.whileWaiting(cid, func(o *owner) error {
				return o.requestCallback(cid, model.Callback{WriteBack: true})
			})
		})
	case r < p.plan.Callback+p.plan.Move && len(p.queues) > 1:
		to := p.queues[p.rnd.IntN(len(p.queues))]
		if to.ID != q.ID && to.Channel == q.Channel {
			p.at(now.Add(time.Duration(15+p.rnd.IntN(45))*time.Second), func() error {
				return p.whileWaiting(cid, func(o *owner) error {
					return o.superviseMove(p.plan.TenantID, cid, acd.QueueID(to.ID))
				})
			})
		}
	}
	p.at(now.Add(patience), func() error {
		return p.whileWaiting(cid, func(o *owner) error {
			if o.contacts[cid].callback {
				return nil // written back: nobody waits on the line
			}
			p.res.Abandoned++
			return o.leave(cid)
		})
	})
	return nil
}

// whileWaiting runs fn if the contact still waits (or is being offered).
func (p *historyPlayer) whileWaiting(cid acd.ContactID, fn func(o *owner) error) error {
	err := p.do(func(o *owner) error {
		rec := o.contacts[cid]
		if rec == nil || (rec.state != cWaiting && rec.state != cOffered) {
			return nil
		}
		return fn(o)
	})
	var refused *RefusedError
	if errors.As(err, &refused) || errors.Is(err, acd.ErrState) || errors.Is(err, errGone) {
		return nil
	}
	return err
}

// observe looks at what the engine decided and gives the agents their
// next moves: answer an offer after it rang (or let it ring out), end a
// conversation after its handle time, end the wrap-up.
func (p *historyPlayer) observe() error {
	type step struct {
		agent acd.AgentID
		cid   acd.ContactID
		state contactState
	}
	var steps []step
	var missed []acd.AgentID
	if err := p.c.do(p.ctx, func(o *owner) error {
		for _, a := range p.agents {
			id := acd.AgentID(a.ID)
			if st, r := o.eng.AgentState(id); st == acd.StateNotReady && r == "rona" && !p.backing[a.ID] {
				missed = append(missed, id)
			}
		}
		for cid, rec := range o.contacts {
			if rec.in.TenantID != p.plan.TenantID {
				continue
			}
			switch rec.state {
			case cOffered, cConnected, cWrapUp:
				steps = append(steps, step{rec.agent, cid, rec.state})
			}
		}
		return nil
	}); err != nil {
		return err
	}
	slices.SortFunc(steps, func(a, b step) int { return cmp.Compare(a.cid, b.cid) }) // a seed plays one history
	now := p.clock.now()
	current := map[[2]int64]bool{}
	for _, s := range steps {
		if s.state == cOffered {
			current[[2]int64{int64(s.cid), int64(s.agent)}] = true
		}
	}
	for k := range p.offers {
		if !current[k] {
			delete(p.offers, k) // that offer is over: a new one is new
		}
	}
	for _, id := range missed {
		// The desk said "offer missed: you are now not ready"; the agent
		// clicks Ready a little later.
		p.backing[int64(id)] = true
		p.at(now.Add(time.Duration(10+p.rnd.IntN(50))*time.Second), func() error {
			p.backing[int64(id)] = false
			if !p.onShift[int64(id)] || p.onBreak[int64(id)] {
				return nil
			}
			return p.presence(id, acd.Ready, "")
		})
	}
	for _, s := range steps {
		key := [2]int64{int64(s.cid), int64(s.agent)}
		switch s.state {
		case cOffered:
			if p.offers[key] {
				continue
			}
			p.offers[key] = true
			if p.rnd.Float64() < p.plan.Missed {
				continue // rings out: RONA
			}
			p.at(now.Add(time.Duration(1500+p.rnd.IntN(6000))*time.Millisecond), func() error {
				err := p.do(func(o *owner) error { return o.accept(s.agent, s.cid) })
				if err != nil && (errors.Is(err, acd.ErrState) || errors.Is(err, acd.ErrNoOffer) || errors.Is(err, errGone) || errors.Is(err, errNotYours) || errors.Is(err, acd.ErrUnknownContact)) {
					return nil // withdrawn meanwhile
				}
				return err
			})
		case cConnected:
			if p.ending[int64(s.cid)] {
				continue
			}
			p.ending[int64(s.cid)] = true
			p.res.Answered++
			p.at(now.Add(p.logNormal(p.plan.Handle)), func() error {
				err := p.do(func(o *owner) error { return o.end(s.agent, s.cid) })
				if err != nil && !errors.Is(err, errGone) && !errors.Is(err, errNotYours) && !errors.Is(err, acd.ErrState) {
					return err
				}
				if p.rnd.Float64() < p.plan.Survey {
					p.res.Surveys++
					score := []int{1, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5, 5}[p.rnd.IntN(12)]
					comment := ""
					if p.rnd.IntN(4) == 0 {
						comment = []string{"Très rapide, merci !", "Conseiller à l'écoute.", "Un peu long à obtenir une réponse.", "Problème résolu.", "Pas de solution pour l'instant."}[p.rnd.IntN(5)]
					}
					if err := p.st.SetSurvey(p.ctx, p.plan.TenantID, int64(s.cid), score, comment); err != nil && !errors.Is(err, store.ErrConflict) {
						return fmt.Errorf("play history: survey: %w", err)
					}
				}
				return nil
			})
		case cWrapUp:
			if p.wrapped[int64(s.cid)] {
				continue
			}
			p.wrapped[int64(s.cid)] = true
			p.at(now.Add(p.exp(p.plan.WrapUp)), func() error {
				err := p.do(func(o *owner) error { return o.finishWrapUp(s.agent, s.cid) })
				if err != nil && (errors.Is(err, acd.ErrUnknownContact) || errors.Is(err, acd.ErrState)) {
					return nil
				}
				return err
			})
		}
	}
	return nil
}

package acd

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// world is a random center driven by a stream of bytes: the property tests
// draw the bytes from a seeded generator, the fuzz target from the fuzzer.
type world struct {
	e       *Engine
	now     time.Time
	next    ContactID
	agents  []AgentID
	queues  []QueueID
	open    map[ContactID]bool // contacts the engine must know: arrived and not gone
	offers  map[ContactID]AgentID
	conn    map[ContactID]AgentID
	wrap    map[ContactID]AgentID
	arrival map[ContactID]time.Time
}

func newWorld(seedBytes []byte) (*world, error) {
	w := &world{e: New(Config{}), now: t0, next: 1,
		open: map[ContactID]bool{}, offers: map[ContactID]AgentID{}, conn: map[ContactID]AgentID{},
		wrap: map[ContactID]AgentID{}, arrival: map[ContactID]time.Time{}}
	b := func(i int) int {
		if i < len(seedBytes) {
			return int(seedBytes[i])
		}
		return i * 7
	}
	// Three queues: voice with relaxation and tiers, chat, voice overflowing to the first.
	qs := []QueueConfig{
		{ID: 1, Channel: Voice, Skills: req(1, 5), Relax: []RelaxStep{{After: 20 * s, Skills: req(1, 2)}},
			Tiers: []Tier{{"free", 0}, {"paid", 5}}, AgingPerMinute: 3, Strategy: Strategy(b(0) % 4),
			OfferTimeout: 8 * s, WrapUp: time.Duration(b(1)%3) * 5 * s},
		{ID: 2, Channel: Chat, Skills: req(2, 1), Strategy: Strategy(b(2) % 4), OfferTimeout: 6 * s, MaxWaiting: 6,
			Overflow: Overflow{Action: OverflowClose}},
		{ID: 3, Channel: Voice, Priority: 2, Skills: req(3, 1), MaxWait: 40 * s, Strategy: Strategy(b(3) % 4),
			Overflow: Overflow{Action: OverflowAction(1 + b(4)%3), Queue: 1}},
	}
	for _, q := range qs {
		if err := w.e.SetQueue(q); err != nil {
			return nil, err
		}
		w.queues = append(w.queues, q.ID)
	}
	for i := 0; i < 5; i++ {
		sk := skills(1, 1+b(5+i)%10, 2, 1+b(10+i)%10)
		if b(15+i)%2 == 0 {
			sk[3] = 4
		}
		cfg := AgentConfig{ID: AgentID(i + 1), Skills: sk, ChatCapacity: b(20+i) % 3, Blend: b(25+i)%3 == 0}
		if cfg.ChatCapacity == 0 {
			cfg.VoiceCapacity = 1
		} else if b(30+i)%2 == 0 {
			cfg.VoiceCapacity = 1
		}
		if err := w.e.SetAgent(cfg); err != nil {
			return nil, err
		}
		w.agents = append(w.agents, cfg.ID)
	}
	return w, nil
}

// step applies one operation chosen by op and arg, then checks every invariant.
func (w *world) step(op, arg byte) error {
	w.now = w.now.Add(time.Duration(arg%16) * 500 * time.Millisecond)
	e := w.e
	// Let due timers fire first, so that the world knows of expired offers.
	e.Advance(w.now)
	if err := w.observe(); err != nil {
		return err
	}
	pick := func(m map[ContactID]AgentID) (ContactID, AgentID, bool) {
		// Deterministic choice: the smallest ID at or above arg.
		var best ContactID
		var agent AgentID
		for c, a := range m {
			if best == 0 || c < best {
				best, agent = c, a
			}
		}
		return best, agent, best != 0
	}
	var err error
	switch op % 12 {
	case 0, 1, 2:
		q := w.queues[int(arg)%len(w.queues)]
		tier := 0
		if q == 1 {
			tier = int(arg/3) % 2
		}
		err = e.Arrive(w.now, ContactSpec{ID: w.next, Queue: q, Tier: tier})
		w.arrival[w.next] = w.now
		w.open[w.next] = true
		w.next++
	case 3:
		err = e.SetPresence(w.now, w.agents[int(arg)%len(w.agents)], Ready, "")
	case 4:
		p := Presence(1 + arg%2)
		if arg%7 == 0 {
			p = LoggedOut
		}
		err = e.SetPresence(w.now, w.agents[int(arg)%len(w.agents)], p, "break")
	case 5, 6:
		if c, a, ok := pick(w.offers); ok {
			err = e.Accept(w.now, a, c)
		}
	case 7:
		if c, a, ok := pick(w.offers); ok {
			err = e.Decline(w.now, a, c)
		}
	case 8:
		if c, _, ok := pick(w.conn); ok {
			err = e.End(w.now, c)
		}
	case 9:
		c := ContactID(1 + int(arg)%int(w.next))
		if w.open[c] {
			if _, connected := w.conn[c]; !connected {
				err = e.Abandon(w.now, c)
			}
		}
	case 10:
		c := ContactID(1 + int(arg)%int(w.next))
		if w.open[c] {
			if arg%2 == 0 {
				_, connected := w.conn[c]
				if !connected {
					err = e.RequestCallback(w.now, c)
				}
			} else if arg%4 == 3 {
				// By name: refused (ErrState) unless the agent serves the
				// contact's queue and is free. The named offer is not
				// the fairest by design: the fairness check skips it.
				saved := e.onOffer
				e.onOffer = nil
				err = e.TransferToAgent(w.now, c, w.agents[int(arg/4)%len(w.agents)])
				e.onOffer = saved
				if errors.Is(err, ErrState) {
					err = nil
				}
			} else {
				err = e.Transfer(w.now, c, QueueID(1+2*int(arg/2%2))) // voice queues 1 or 3
				if err != nil && w.contactChannel(c) == Chat {
					err = nil // chat contacts cannot go to voice queues: refused, as they should be
				}
			}
		}
	case 11:
		if c, a, ok := pick(w.wrap); ok && arg%2 == 0 {
			err = e.FinishWrapUp(w.now, a, c)
		} else {
			e.Advance(w.now)
		}
	}
	if err != nil {
		return fmt.Errorf("op %d arg %d: %w", op%12, arg, err)
	}
	if err := w.observe(); err != nil {
		return err
	}
	return e.check()
}

func (w *world) contactChannel(c ContactID) Channel {
	if x := w.e.contacts[c]; x != nil {
		return x.q.cfg.Channel
	}
	return Voice
}

// observe follows the events and checks what each says against the rules.
func (w *world) observe() error {
	for _, ev := range w.e.Drain() {
		switch ev.Kind {
		case EvOffered:
			if _, dup := w.offers[ev.Contact]; dup {
				return fmt.Errorf("contact %d offered twice", ev.Contact)
			}
			if _, c := w.conn[ev.Contact]; c {
				return fmt.Errorf("connected contact %d offered", ev.Contact)
			}
			w.offers[ev.Contact] = ev.Agent
		case EvConnected:
			delete(w.offers, ev.Contact)
			w.conn[ev.Contact] = ev.Agent
		case EvRequeued:
			delete(w.offers, ev.Contact)
		case EvEnded:
			delete(w.conn, ev.Contact)
			if ev.WrapUp {
				w.wrap[ev.Contact] = ev.Agent
			}
			if !w.transferring(ev.Contact) {
				delete(w.open, ev.Contact)
			}
		case EvWrapUpDone:
			delete(w.wrap, ev.Contact)
		case EvAbandoned, EvRejected:
			delete(w.offers, ev.Contact)
			delete(w.open, ev.Contact)
		case EvOverflowed:
			if ev.Action == OverflowClose {
				delete(w.offers, ev.Contact)
				delete(w.open, ev.Contact)
			}
		case EvTransferred:
			delete(w.offers, ev.Contact)
		}
	}
	// No contact lost or duplicated: the engine knows exactly the open ones.
	if len(w.e.contacts) != len(w.open) {
		return fmt.Errorf("engine knows %d contacts, %d are open", len(w.e.contacts), len(w.open))
	}
	for c := range w.open {
		if w.e.contacts[c] == nil {
			return fmt.Errorf("contact %d lost", c)
		}
	}
	return nil
}

// transferring reports whether a contact that just ended with an agent is
// waiting again (a transfer of a connected contact).
func (w *world) transferring(c ContactID) bool {
	x := w.e.contacts[c]
	return x != nil && x.state != connected
}

// fairOffers installs a check on every offer: no waiting contact that the
// same agent could take has a strictly better claim (higher effective
// priority, or equal and earlier arrival).
func fairOffers(e *Engine, fail func(error)) {
	e.onOffer = func(c *contact, m *membership) {
		a := m.a
		effOf := func(x *contact) float64 {
			return x.line.base + x.q.aging*float64(e.now-x.arrival)
		}
		ec := effOf(c)
		for _, am := range a.members {
			if !a.availableForIgnoringOffer(am.q.cfg.Channel) {
				continue
			}
			for _, l := range am.q.lines {
				for _, it := range l.items {
					x := it.c
					if x == nil || x == c || x.state != waiting || am.q.stepAt(e.now-x.arrival) < am.from {
						continue
					}
					ex := effOf(x)
					if ex > ec+1e-9 || (ex >= ec-1e-9 && (x.arrival < c.arrival || (x.arrival == c.arrival && x.seq < c.seq))) {
						fail(fmt.Errorf("agent %d offered contact %d (eff %.3f, arrived %d) while contact %d (eff %.3f, arrived %d) waits",
							a.id, c.id, ec, c.arrival, x.id, ex, x.arrival))
					}
				}
			}
		}
	}
}

func TestPropertyRandomEventSequences(t *testing.T) {
	runs, steps := 300, 400
	if testing.Short() {
		runs = 50
	}
	for seed := 0; seed < runs; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		setup := make([]byte, 40)
		for i := range setup {
			setup[i] = byte(rng.IntN(256))
		}
		w, err := newWorld(setup)
		if err != nil {
			t.Fatal(err)
		}
		var unfair error
		fairOffers(w.e, func(err error) {
			if unfair == nil {
				unfair = err
			}
		})
		for i := 0; i < steps; i++ {
			if err := w.step(byte(rng.IntN(256)), byte(rng.IntN(256))); err != nil {
				t.Fatalf("seed %d step %d: %v", seed, i, err)
			}
			if unfair != nil {
				t.Fatalf("seed %d step %d: %v", seed, i, unfair)
			}
		}
	}
}

// TestFIFOWithinEqualPriority: one queue, identical agents; contacts are
// answered in arrival order whatever the interleaving.
func TestFIFOWithinEqualPriority(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	e := New(Config{})
	if err := e.SetQueue(QueueConfig{ID: 1}); err != nil {
		t.Fatal(err)
	}
	for a := AgentID(1); a <= 4; a++ {
		if err := e.SetAgent(AgentConfig{ID: a}); err != nil {
			t.Fatal(err)
		}
	}
	now := t0
	next := ContactID(1)
	var answered []ContactID
	busy := map[AgentID]ContactID{}
	for i := 0; i < 5000; i++ {
		now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
		switch rng.IntN(3) {
		case 0:
			_ = e.Arrive(now, ContactSpec{ID: next, Queue: 1})
			next++
		case 1:
			a := AgentID(1 + rng.IntN(4))
			if c, ok := busy[a]; ok {
				_ = e.End(now, c)
				delete(busy, a)
			} else {
				_ = e.SetPresence(now, a, Ready, "")
			}
		case 2:
			e.Advance(now)
		}
		for _, ev := range e.Drain() {
			if ev.Kind == EvOffered {
				if err := e.Accept(now, ev.Agent, ev.Contact); err != nil {
					t.Fatal(err)
				}
				busy[ev.Agent] = ev.Contact
				answered = append(answered, ev.Contact)
			}
		}
		e.Drain()
	}
	for i := 1; i < len(answered); i++ {
		if answered[i] < answered[i-1] {
			t.Fatalf("contact %d answered after %d", answered[i], answered[i-1])
		}
	}
	if len(answered) < 1000 {
		t.Fatalf("only %d answered", len(answered))
	}
}

func FuzzEngine(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte("arrive ready accept end decline abandon transfer callback wrap advance"))
	f.Fuzz(func(t *testing.T, data []byte) {
		setup := data
		if len(setup) > 40 {
			setup = data[:40]
		}
		w, err := newWorld(setup)
		if err != nil {
			t.Fatal(err)
		}
		var unfair error
		fairOffers(w.e, func(err error) {
			if unfair == nil {
				unfair = err
			}
		})
		ops := data[min(len(data), 40):]
		for i := 0; i+1 < len(ops); i += 2 {
			if err := w.step(ops[i], ops[i+1]); err != nil {
				t.Fatalf("step %d: %v", i/2, err)
			}
			if unfair != nil {
				t.Fatalf("step %d: %v", i/2, unfair)
			}
		}
	})
}

// availableForIgnoringOffer is availableFor as it was just before an offer.
func (a *agent) availableForIgnoringOffer(ch Channel) bool {
	o := a.offer
	a.offer = nil
	ok := a.availableFor(ch)
	a.offer = o
	return ok
}

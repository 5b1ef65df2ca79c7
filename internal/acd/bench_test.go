package acd

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// benchCenter is a large center in steady state: every agent busy with one
// contact and `waiting` contacts in line across the queues.
type benchCenter struct {
	e       *Engine
	now     time.Time
	next    ContactID
	current []ContactID // contact held by each agent (index = agent ID - 1)
	queueOf []QueueID   // by contact ID (IDs are sequential)
}

const (
	// wrapDepth agents are in wrap-up at any time in BenchmarkRoute.
	wrapDepth   = 500
	benchAgents = 10_000
	benchQueues = 100
	benchSkills = 50
)

func newBenchCenter(b *testing.B, waiting int) *benchCenter {
	rng := rand.New(rand.NewPCG(1, 2))
	e := New(Config{})
	for q := 1; q <= benchQueues; q++ {
		cfg := QueueConfig{ID: QueueID(q), Priority: q % 3, Skills: req(q%benchSkills, 1+q%5),
			Strategy: Strategy(q % 4), Tiers: []Tier{{"free", 0}, {"paid", 3}}, AgingPerMinute: 1,
			WrapUp: time.Minute}
		if q%4 == 0 {
			cfg.Relax = []RelaxStep{{After: time.Minute, Skills: req(q%benchSkills, 1)}}
		}
		if err := e.SetQueue(cfg); err != nil {
			b.Fatal(err)
		}
	}
	c := &benchCenter{e: e, now: t0, next: 1, current: make([]ContactID, benchAgents)}
	for a := 1; a <= benchAgents; a++ {
		sk := map[SkillID]int{}
		for len(sk) < 4 {
			sk[SkillID(rng.IntN(benchSkills))] = 1 + rng.IntN(10)
		}
		if err := e.SetAgent(AgentConfig{ID: AgentID(a), Skills: sk}); err != nil {
			b.Fatal(err)
		}
	}
	// Fill the agents: each agent readies and takes one contact of its best queue.
	for a := 1; a <= benchAgents; a++ {
		ag := e.agents[AgentID(a)]
		if len(ag.members) == 0 {
			continue
		}
		q := ag.members[rng.IntN(len(ag.members))].q.cfg.ID
		c.arrive(b, q, 0)
		c.must(b, e.SetPresence(c.now, AgentID(a), Ready, ""))
		c.acceptOffers(b)
	}
	for i := 0; i < waiting; i++ {
		c.now = c.now.Add(time.Millisecond)
		c.arrive(b, QueueID(1+rng.IntN(benchQueues)), rng.IntN(2))
		c.acceptOffers(b)
	}
	return c
}

func (c *benchCenter) setQueue(id ContactID, q QueueID) {
	for int(id) >= len(c.queueOf) {
		c.queueOf = append(c.queueOf, make([]QueueID, len(c.queueOf)+1024)...)
	}
	c.queueOf[id] = q
}

func (c *benchCenter) must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

func (c *benchCenter) arrive(b *testing.B, q QueueID, tier int) {
	id := c.next
	c.next++
	c.setQueue(id, q)
	c.must(b, c.e.Arrive(c.now, ContactSpec{ID: id, Queue: q, Tier: tier}))
}

func (c *benchCenter) acceptOffers(b *testing.B) {
	for {
		evs := c.e.Drain()
		var offers []Event
		for _, ev := range evs {
			if ev.Kind == EvOffered {
				offers = append(offers, ev)
			}
		}
		if len(offers) == 0 {
			return
		}
		for _, ev := range offers {
			c.must(b, c.e.Accept(c.now, ev.Agent, ev.Contact))
			c.current[ev.Agent-1] = ev.Contact
		}
	}
}

// BenchmarkRoute measures, in a center of 10,000 agents, 100 queues and 50
// skills with `waiting` contacts in line, one cycle of the steady state: an
// agent ends a contact (end: it wraps up, no routing decision), finishes its
// wrap-up and becomes ready (ready: it is offered the best waiting contact
// across its queues), accepts, and a new contact arrives (arrival: no agent
// is free, it is queued with its position and expected wait). ns/op and
// allocs/op are per cycle (four engine calls); the p50 metrics time each
// event alone.
func BenchmarkRoute(b *testing.B) {
	for _, waiting := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("waiting=%s", size(waiting)), func(b *testing.B) {
			c := newBenchCenter(b, waiting)
			e := c.e
			rng := rand.New(rand.NewPCG(3, 4))
			arrivals := make([]time.Duration, 0, b.N)
			readies := make([]time.Duration, 0, b.N)
			ends := make([]time.Duration, 0, b.N)
			var wrapping [][2]int64 // agents in wrap-up, oldest first
			var evs []Event
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.now = c.now.Add(time.Millisecond)
				a := AgentID(1 + rng.IntN(benchAgents))
				held := c.current[a-1]
				if held == 0 {
					continue // an agent with no queue
				}
				// The agent ends its contact and wraps up (no routing
				// decision). The agent that has wrapped up the longest then
				// becomes ready (its state is as cold as in a real center)
				// and is offered the best waiting contact across its queues.
				t0 := time.Now()
				_ = e.End(c.now, held)
				t1 := time.Now()
				ends = append(ends, t1.Sub(t0))
				c.current[a-1] = 0
				wrapping = append(wrapping, [2]int64{int64(a), int64(held)})
				if len(wrapping) < wrapDepth {
					e.Drain()
					continue
				}
				w := wrapping[0]
				wrapping = wrapping[1:]
				t2 := time.Now()
				_ = e.FinishWrapUp(c.now, AgentID(w[0]), ContactID(w[1]))
				t3 := time.Now()
				readies = append(readies, t3.Sub(t2))
				q := c.queueOf[w[1]]
				evs = append(evs[:0], e.Drain()...)
				for _, ev := range evs {
					if ev.Kind == EvOffered {
						q = ev.Queue
						_ = e.Accept(c.now, ev.Agent, ev.Contact)
						c.current[ev.Agent-1] = ev.Contact
					}
				}
				e.Drain()
				// A new contact arrives in the queue that was served, so that
				// the lines keep their length.
				id := c.next
				c.next++
				c.setQueue(id, q)
				t4 := time.Now()
				_ = e.Arrive(c.now, ContactSpec{ID: id, Queue: q, Tier: int(id & 1)})
				t5 := time.Now()
				arrivals = append(arrivals, t5.Sub(t4))
				for _, ev := range e.Drain() {
					if ev.Kind == EvOffered {
						_ = e.Accept(c.now, ev.Agent, ev.Contact)
						c.current[ev.Agent-1] = ev.Contact
					}
				}
				e.Drain()
			}
			b.StopTimer()
			b.ReportMetric(float64(median(arrivals)), "arrival-p50-ns")
			b.ReportMetric(float64(median(readies)), "ready-p50-ns")
			b.ReportMetric(float64(median(ends)), "end-p50-ns")
			total := 0
			for _, q := range e.queueSeq {
				total += q.waiting
			}
			if total < waiting/2 {
				b.Fatalf("%d contacts wait, the center was set up with %d: the benchmark drifted", total, waiting)
			}
			b.ReportMetric(float64(total), "waiting-at-end")
		})
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

func size(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// BenchmarkHeapFloor is the floor to compare BenchmarkRoute with: a plain
// container/heap push and pop holding the same number of items.
func BenchmarkHeapFloor(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("items=%s", size(n)), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			h := make(intHeap, 0, n+1)
			for i := 0; i < n; i++ {
				h = append(h, rng.IntN(1<<30))
			}
			heap.Init(&h)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				heap.Push(&h, rng.IntN(1<<30))
				heap.Pop(&h)
			}
		})
	}
}

package acd

import "fmt"

// check verifies the engine's internal invariants; tests call it after every
// step. It is O(size of the engine).
func (e *Engine) check() error {
	if err := e.checkStaffed(); err != nil {
		return err
	}
	present := 0
	for _, q := range e.queueSeq {
		live := 0
		for _, l := range q.lines {
			n := 0
			for i, it := range l.items {
				if i > l.head && !l.items[i-1].before(it.arrival, it.seq) {
					return fmt.Errorf("queue %d tier %d: entries %d and %d out of order", q.cfg.ID, l.tier, i-1, i)
				}
				if it.c == nil {
					continue
				}
				if i < l.head {
					return fmt.Errorf("queue %d: contact %d before the head", q.cfg.ID, it.c.id)
				}
				if it.c.line != l || it.c.idx != i || it.c.state == connected {
					return fmt.Errorf("queue %d: contact %d misplaced (state %d)", q.cfg.ID, it.c.id, it.c.state)
				}
				if it.waiting != (it.c.state == waiting) {
					return fmt.Errorf("queue %d: contact %d waiting flag %v, state %d", q.cfg.ID, it.c.id, it.waiting, it.c.state)
				}
				if it.c.state == waiting && i < l.first {
					return fmt.Errorf("queue %d: waiting contact %d before the first cursor", q.cfg.ID, it.c.id)
				}
				if e.contacts[it.c.id] != it.c {
					return fmt.Errorf("queue %d: contact %d in line but unknown", q.cfg.ID, it.c.id)
				}
				n++
			}
			if n != l.live || l.fen.prefix(len(l.items)) != n {
				return fmt.Errorf("queue %d tier %d: live %d, counted %d, Fenwick %d", q.cfg.ID, l.tier, l.live, n, l.fen.prefix(len(l.items)))
			}
			live += n
		}
		if live != q.waiting {
			return fmt.Errorf("queue %d: waiting %d, lines hold %d", q.cfg.ID, q.waiting, live)
		}
		present += live
		for s := range q.pools {
			p := &q.pools[s]
			for i, m := range p.h {
				if m.hidx != i || m.from != s || m.q != q {
					return fmt.Errorf("queue %d pool %d: bad membership of agent %d", q.cfg.ID, s, m.a.id)
				}
				if i > 0 && q.better(m, p.h[(i-1)/2]) {
					return fmt.Errorf("queue %d pool %d: heap order broken at %d", q.cfg.ID, s, i)
				}
			}
		}
	}
	connectedN := 0
	for id, c := range e.contacts {
		if c.id != id {
			return fmt.Errorf("contact %d filed under %d", c.id, id)
		}
		switch c.state {
		case waiting, offered:
			if c.line == nil {
				return fmt.Errorf("contact %d waits in no line", id)
			}
			if (c.state == offered) != (c.agent != nil && c.agent.offer == c) {
				return fmt.Errorf("contact %d: offer state and agent disagree", id)
			}
		case connected:
			connectedN++
			if c.line != nil || c.agent == nil {
				return fmt.Errorf("connected contact %d still in line or without agent", id)
			}
		}
	}
	if present+connectedN != len(e.contacts) {
		return fmt.Errorf("%d contacts known, %d in lines and %d connected", len(e.contacts), present, connectedN)
	}
	for _, a := range e.agentSeq {
		var load [numChannels]int
		for _, w := range a.work {
			load[w.ch]++
			if !w.wrap && (w.c == nil || w.c.agent != a || w.c.state != connected) {
				return fmt.Errorf("agent %d: work on contact %d inconsistent", a.id, w.id)
			}
		}
		if load != a.load {
			return fmt.Errorf("agent %d: load %v, work says %v", a.id, a.load, load)
		}
		kinds := 0
		for ch, l := range load {
			if l > a.capacity[ch] {
				return fmt.Errorf("agent %d over capacity on %v: %d > %d", a.id, Channel(ch), l, a.capacity[ch])
			}
			if l > 0 {
				kinds++
			}
		}
		if kinds > 1 && !a.cfg.Blend {
			return fmt.Errorf("agent %d holds voice and chat without blend", a.id)
		}
		if a.offer != nil && a.offer.agent != a {
			return fmt.Errorf("agent %d: offer of contact %d not linked back", a.id, a.offer.id)
		}
		for _, m := range a.members {
			avail := a.availableFor(m.q.cfg.Channel)
			if avail != (m.hidx >= 0) {
				return fmt.Errorf("agent %d queue %d: available %v but in pool %v", a.id, m.q.cfg.ID, avail, m.hidx >= 0)
			}
			if !avail {
				continue
			}
			// The routing invariant: no eligible waiting contact for an available agent.
			for _, l := range m.q.lines {
				for _, it := range l.items {
					if c := it.c; c != nil && c.state == waiting && m.q.stepAt(e.now-c.arrival) >= m.from {
						return fmt.Errorf("agent %d is available while contact %d waits in queue %d", a.id, c.id, m.q.cfg.ID)
					}
				}
			}
		}
	}
	return nil
}

// checkStaffed verifies the queues' staffed counts.
func (e *Engine) checkStaffed() error {
	for _, q := range e.queueSeq {
		n := 0
		for _, m := range q.members {
			if m.a.presence != LoggedOut {
				n++
			}
		}
		if n != q.staffed {
			return fmt.Errorf("queue %d: staffed %d, members say %d", q.cfg.ID, q.staffed, n)
		}
	}
	return nil
}

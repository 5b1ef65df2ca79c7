package acd

// A membership links an agent to a queue it serves. from is the first
// relaxation step at which the agent is eligible; score is the sum of its
// levels on the queue's base skills (for MostSkilled).
type membership struct {
	a         *agent
	q         *queue
	from      int
	score     int
	lastOffer uint64 // engine sequence of the last offer from this queue (RoundRobin)
	hidx      int    // index in q.pools[from], -1 when not available
}

// pool is a heap of the available agents of one queue and one relaxation
// step, best first by the queue's strategy.
type pool struct {
	q *queue
	h []*membership
}

// better reports whether x should be chosen before y.
func (q *queue) better(x, y *membership) bool {
	ch := q.channel
	if lx, ly := x.a.load[ch], y.a.load[ch]; lx != ly {
		return lx < ly
	}
	switch q.cfg.Strategy {
	case MostSkilled:
		if x.score != y.score {
			return x.score > y.score
		}
	case LeastHandled:
		hx, hy := x.a.handledOn(q.e.day), y.a.handledOn(q.e.day)
		if hx != hy {
			return hx < hy
		}
	case RoundRobin:
		if x.lastOffer != y.lastOffer {
			return x.lastOffer < y.lastOffer
		}
	}
	if x.a.idleSince != y.a.idleSince {
		return x.a.idleSince < y.a.idleSince
	}
	return x.a.seq < y.a.seq
}

func (p *pool) less(i, j int) bool { return p.q.better(p.h[i], p.h[j]) }

func (p *pool) swap(i, j int) {
	p.h[i], p.h[j] = p.h[j], p.h[i]
	p.h[i].hidx = i
	p.h[j].hidx = j
}

func (p *pool) push(m *membership) {
	m.hidx = len(p.h)
	p.h = append(p.h, m)
	siftUp(p, m.hidx)
}

func (p *pool) remove(m *membership) {
	i := m.hidx
	n := len(p.h) - 1
	if i != n {
		p.swap(i, n)
	}
	p.h[n] = nil
	p.h = p.h[:n]
	m.hidx = -1
	if i != n {
		if !siftDown(p, i, len(p.h)) {
			siftUp(p, i)
		}
	}
}

func (p *pool) fix(m *membership) {
	if !siftDown(p, m.hidx, len(p.h)) {
		siftUp(p, m.hidx)
	}
}

func (p *pool) top() *membership {
	if len(p.h) == 0 {
		return nil
	}
	return p.h[0]
}

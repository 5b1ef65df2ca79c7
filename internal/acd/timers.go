package acd

// timerKind says what a timer is for.
type timerKind uint8

const (
	timerOffer   timerKind = iota // an offer's timeout (RONA)
	timerMaxWait                  // a contact's maximum wait in its queue
	timerRelax                    // a line's head reaches its next relaxation step
	timerWrapUp                   // an agent's wrap-up ends
)

// timer is a pending deadline. Timers are never removed early: each carries
// the generation of what it watches and is ignored when that has moved on.
type timer struct {
	at   int64
	seq  uint64 // ties fire in the order they were set
	kind timerKind
	gen  uint64
	c    *contact
	l    *line
	a    *agent
}

// timerHeap is a binary min-heap of timers by (at, seq).
type timerHeap []timer

func (h timerHeap) less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *timerHeap) pop() timer {
	s := *h
	t := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = timer{}
	s = s[:n]
	*h = s
	i := 0
	for {
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
	return t
}

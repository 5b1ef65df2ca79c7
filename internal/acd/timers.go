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

func (h timerHeap) swap(i, j int) { h[i], h[j] = h[j], h[i] }

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	siftUp(*h, len(*h)-1)
}

func (h *timerHeap) pop() timer {
	s := *h
	t := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = timer{}
	*h = s[:n]
	siftDown(*h, 0, n)
	return t
}

// fifo holds timers that a queue sets with a constant delay (offer timeouts,
// maximum waits, wrap-ups): their deadlines come in order, so a FIFO keeps
// them in O(1) where a heap would pay O(log n) for each.
type fifo struct {
	items []timer
	head  int
	hidx  int // index in timerSet.fifos, -1 when empty
}

func (f *fifo) front() *timer { return &f.items[f.head] }
func (f *fifo) empty() bool   { return f.head == len(f.items) }

// timerSet is every pending timer: a heap for the irregular ones and a heap
// of FIFOs (by their first deadline) for the regular ones.
type timerSet struct {
	heap  timerHeap
	fifos fifoHeap
}

func timerLess(a, b *timer) bool { return a.at < b.at || (a.at == b.at && a.seq < b.seq) }

// fifoHeap orders a timer set's FIFOs by their first deadline.
type fifoHeap []*fifo

func (h fifoHeap) less(i, j int) bool { return timerLess(h[i].front(), h[j].front()) }

func (h fifoHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx = i
	h[j].hidx = j
}

// add sets a timer, in f when it keeps f in order, else in the heap.
func (t *timerSet) add(tm timer, f *fifo) {
	if f == nil || (!f.empty() && tm.at < f.items[len(f.items)-1].at) {
		t.heap.push(tm)
		return
	}
	if f.empty() {
		f.items = append(f.items[:0], tm)
		f.head = 0
		f.hidx = len(t.fifos)
		t.fifos = append(t.fifos, f)
		siftUp(t.fifos, f.hidx)
		return
	}
	f.items = append(f.items, tm)
}

// next returns the earliest timer, if any.
func (t *timerSet) next() (*timer, bool) {
	var best *timer
	if len(t.heap) > 0 {
		best = &t.heap[0]
	}
	if len(t.fifos) > 0 {
		if f := t.fifos[0].front(); best == nil || timerLess(f, best) {
			best = f
		}
	}
	return best, best != nil
}

// pop removes and returns the earliest timer; there must be one.
func (t *timerSet) pop() timer {
	if len(t.fifos) == 0 || (len(t.heap) > 0 && timerLess(&t.heap[0], t.fifos[0].front())) {
		return t.heap.pop()
	}
	f := t.fifos[0]
	tm := *f.front()
	*f.front() = timer{}
	f.head++
	if f.empty() {
		f.items = f.items[:0]
		f.head = 0
		n := len(t.fifos) - 1
		t.fifos.swap(0, n)
		t.fifos[n] = nil
		t.fifos = t.fifos[:n]
		f.hidx = -1
	} else {
		if f.head >= 64 && 2*f.head >= len(f.items) {
			n := copy(f.items, f.items[f.head:])
			clear(f.items[n:])
			f.items = f.items[:n]
			f.head = 0
		}
	}
	if len(t.fifos) > 0 {
		siftDown(t.fifos, 0, len(t.fifos))
	}
	return tm
}

package acd

// A line holds the contacts of one queue and tier that are waiting or being
// offered, in arrival order (arrival time, then engine sequence). Removed
// contacts leave a tombstone until the front is compacted, so removal is
// O(log n) and indices stay put; a Fenwick tree over the indices counts the
// contacts still present, which gives positions in O(log n).
type line struct {
	q     *queue
	tier  int
	base  float64 // queue priority + tier priority
	items []entry
	head  int // items[:head] are all tombstones (their keys no longer matter)
	first int // no waiting (not offered) contact before this index
	live  int // contacts present (waiting or offered)
	fen   fenwick
	gen   uint64 // invalidates the relaxation timer of a former head
	armed uint64 // sequence of the head the relaxation timer was set for
}

type entry struct {
	c       *contact // nil: tombstone
	arrival int64
	seq     uint64
	// waiting mirrors c.state == waiting, so that finding a line's head
	// reads the line alone and not every contact it passes.
	waiting bool
}

func (e entry) before(arrival int64, seq uint64) bool {
	return e.arrival < arrival || (e.arrival == arrival && e.seq < seq)
}

// insert places c in arrival order.
func (l *line) insert(c *contact) {
	n := len(l.items)
	if n == l.head || l.items[n-1].before(c.arrival, c.seq) {
		// The common case: the newest arrival goes to the back.
		l.fen.grow(n+1, l) // before the append: fill counts only what is there
		l.items = append(l.items, entry{c, c.arrival, c.seq, true})
		c.idx = n
		l.fen.add(n, 1)
	} else {
		i := l.search(c.arrival, c.seq)
		switch {
		case i < n && l.items[i].c == nil:
			// Reuse the tombstone in place (a contact moved back to its own line).
			l.items[i] = entry{c, c.arrival, c.seq, true}
			c.idx = i
			l.fen.add(i, 1)
		case i > l.head && l.items[i-1].c == nil:
			// Reuse the tombstone just before: order is kept.
			i--
			l.items[i] = entry{c, c.arrival, c.seq, true}
			c.idx = i
			l.fen.add(i, 1)
		case i == l.head && l.head > 0:
			l.head--
			i = l.head
			l.items[i] = entry{c, c.arrival, c.seq, true}
			c.idx = i
			l.fen.add(i, 1)
		default:
			l.items = append(l.items, entry{})
			copy(l.items[i+1:], l.items[i:])
			l.items[i] = entry{c, c.arrival, c.seq, true}
			for j := i; j < len(l.items); j++ {
				if x := l.items[j].c; x != nil {
					x.idx = j
				}
			}
			l.fen.rebuild(l)
		}
		if i < l.first {
			l.first = i
		}
	}
	l.live++
	c.line = l
}

// remove takes c out of the line, leaving a tombstone.
func (l *line) remove(c *contact) {
	i := c.idx
	l.items[i].c = nil
	l.items[i].waiting = false
	l.fen.add(i, -1)
	l.live--
	c.line = nil
	c.idx = -1
	if l.live == 0 {
		l.items = l.items[:0]
		l.head, l.first = 0, 0
		l.fen.reset()
		return
	}
	for l.head < len(l.items) && l.items[l.head].c == nil {
		l.head++
	}
	if l.first < l.head {
		l.first = l.head
	}
	if l.head >= 256 && 2*l.head >= len(l.items) {
		l.compact()
	}
}

func (l *line) compact() {
	n := copy(l.items, l.items[l.head:])
	clear(l.items[n:])
	l.items = l.items[:n]
	l.first -= l.head
	l.head = 0
	for j := range l.items {
		if x := l.items[j].c; x != nil {
			x.idx = j
		}
	}
	l.fen.rebuild(l)
}

// search returns the index of the first entry not before (arrival, seq).
func (l *line) search(arrival int64, seq uint64) int {
	lo, hi := l.head, len(l.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.items[m].before(arrival, seq) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// front returns the entry of the first contact that is waiting and not
// being offered.
func (l *line) front() *entry {
	for i := l.first; i < len(l.items); i++ {
		if l.items[i].waiting {
			l.first = i
			return &l.items[i]
		}
	}
	l.first = len(l.items)
	return nil
}

// peek returns the first contact that is waiting and not being offered.
func (l *line) peek() *contact {
	if h := l.front(); h != nil {
		return h.c
	}
	return nil
}

// offered notes that c, still in the line, is being offered.
func (l *line) offered(c *contact) { l.items[c.idx].waiting = false }

// unoffered notes that c, still in the line, waits again.
func (l *line) unoffered(c *contact) {
	l.items[c.idx].waiting = true
	if c.idx < l.first {
		l.first = c.idx
	}
}

// ahead counts the contacts present before index i.
func (l *line) ahead(i int) int { return l.fen.prefix(i) }

// aheadOf counts the contacts present that arrived strictly before t.
func (l *line) aheadOf(t int64) int {
	return l.fen.prefix(l.search(t, 0))
}

// oldest returns the earliest arrival present, if any.
func (l *line) oldest() (int64, bool) {
	if l.live == 0 {
		return 0, false
	}
	return l.items[l.head].arrival, true
}

// fenwick counts present entries by index: prefix(i) is the count in [0, i).
type fenwick struct{ t []int32 }

func (f *fenwick) reset() { clear(f.t) }

func (f *fenwick) add(i int, v int32) {
	for i++; i < len(f.t); i += i & -i {
		f.t[i] += v
	}
}

func (f *fenwick) prefix(i int) int {
	s := int32(0)
	if i >= len(f.t) {
		i = len(f.t) - 1
	}
	for ; i > 0; i -= i & -i {
		s += f.t[i]
	}
	return int(s)
}

// grow makes room for n entries, rebuilding from the line when it must.
func (f *fenwick) grow(n int, l *line) {
	if n < len(f.t) {
		return
	}
	size := 2 * len(f.t)
	if size < 64 {
		size = 64
	}
	for size <= n {
		size *= 2
	}
	f.t = make([]int32, size)
	f.fill(l)
}

func (f *fenwick) rebuild(l *line) {
	if len(l.items) >= len(f.t) {
		f.grow(len(l.items), l)
		return
	}
	clear(f.t)
	f.fill(l)
}

// fill builds the tree in O(n) from an empty (zeroed) one.
func (f *fenwick) fill(l *line) {
	for i, e := range l.items {
		if e.c != nil {
			f.t[i+1]++
		}
	}
	for i := 1; i < len(f.t); i++ {
		if j := i + (i & -i); j < len(f.t) {
			f.t[j] += f.t[i]
		}
	}
}

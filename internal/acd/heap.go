package acd

// ordered is a binary heap's order and moves, by index. The engine's three
// heaps (timers, the FIFOs of regular timers, the pools of available
// agents) share siftUp and siftDown through it.
type ordered interface {
	less(i, j int) bool
	swap(i, j int)
}

// siftUp moves element i up to its place.
func siftUp[H ordered](h H, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

// siftDown moves element i of an n-element heap down to its place and
// reports whether it moved.
func siftDown[H ordered](h H, i, n int) bool {
	i0 := i
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			break
		}
		h.swap(i, m)
		i = m
	}
	return i > i0
}

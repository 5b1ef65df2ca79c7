package acd

import (
	"math"
	"math/bits"
)

// estimator predicts a queue's expected waiting time (EWT) and learns from
// the waits of the contacts it answers. See the package documentation.
type estimator struct {
	interval   float64 // smoothed ns between answers of contacts that waited; 0: unknown
	lastAnswer int64
	hol        [posBuckets]float64 // smoothed actual wait by arrival position; 0: unknown
	errQL      float64             // smoothed absolute error of each predictor, ns
	errHOL     float64
	samples    int
}

const (
	posBuckets = 96
	alpha      = 0.1 // weight of a new sample in the smoothed figures
)

// bucket maps a 1-based position to a head-of-line bucket: exact up to 32,
// then four buckets per doubling.
func bucket(pos int) int {
	if pos <= 32 {
		return max(pos, 1) - 1
	}
	// 32 + 4*log2(pos/32), computed from the bit length and the next two bits.
	n := bits.Len(uint(pos))
	frac := (pos >> (n - 3)) & 3
	b := 32 + 4*(n-6) + frac
	return min(b, posBuckets-1)
}

func smooth(old, sample float64) float64 {
	if old == 0 {
		return sample
	}
	return old + alpha*(sample-old)
}

// predict returns the queue-length and head-of-line predictions (ns) for a
// contact at pos; the head-of-line one is -1 when the position has no history.
func (s *estimator) predict(pos int, q *queue) (ql, hol int64) {
	interval := s.interval
	if interval == 0 {
		// No history yet: the default handle time shared by the staffed agents.
		aht := float64(cmpOr(q.cfg.DefaultHandleTime, DefaultHandleTime))
		interval = aht / float64(max(q.staffed, 1))
	}
	ql = int64(math.Min(float64(pos)*interval, math.MaxInt64/2))
	hol = -1
	if h := s.hol[bucket(pos)]; h > 0 {
		hol = int64(h)
	}
	return ql, hol
}

// choose picks the prediction of the predictor with the lower smoothed error.
func (s *estimator) choose(ql, hol int64) int64 {
	if hol >= 0 && s.samples > 0 && s.errHOL < s.errQL {
		return hol
	}
	return ql
}

// answered learns from a contact answered after waiting wait (ns).
func (s *estimator) answered(c *contact, wait, now int64) {
	if c.pos == 0 {
		return
	}
	w := float64(wait)
	if c.predHOL >= 0 || c.predQL > 0 {
		s.errQL = smooth(s.errQL, math.Abs(float64(c.predQL)-w)+1)
		hol := float64(c.predHOL)
		if c.predHOL < 0 {
			hol = float64(c.predQL) // no history: judged as the other one
		}
		s.errHOL = smooth(s.errHOL, math.Abs(hol-w)+1)
		s.samples++
	}
	b := bucket(c.pos)
	if w > 0 {
		s.hol[b] = smooth(s.hol[b], w)
		if s.lastAnswer > 0 {
			s.interval = smooth(s.interval, float64(now-s.lastAnswer))
		}
	}
	s.lastAnswer = now
}

package media

import (
	"errors"
	"io"
	"math"
	"testing"
	"time"
)

// goertzel returns the power of freq in x, normalised so that a full-scale
// sine of amplitude A gives about (A·len(x)/2)².
func goertzel(x []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / SampleRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// dominant checks that freq carries far more power than other test
// frequencies.
func dominant(t *testing.T, x []int16, freq float64) {
	t.Helper()
	p := goertzel(x, freq)
	for _, other := range []float64{300, 440, 697, 1000, 1633, 2500} {
		if math.Abs(other-freq) < 50 {
			continue
		}
		if q := goertzel(x, other); q*100 > p {
			t.Errorf("%g Hz power %.3g not 100 times %g Hz power %.3g", freq, p, other, q)
		}
	}
}

func TestSilenceAndTone(t *testing.T) {
	tests := []struct {
		name string
		src  func() (Source, error)
		want int // samples; -1 endless
	}{
		{"silence 50 ms", func() (Source, error) { return NewSilence(50 * time.Millisecond), nil }, 400},
		{"endless silence", func() (Source, error) { return NewSilence(0), nil }, -1},
		{"tone 1 s", func() (Source, error) { return NewTone(440, 8000, time.Second) }, 8000},
		{"endless tone", func() (Source, error) { return NewTone(440, 8000, 0) }, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, err := tc.src()
			if err != nil {
				t.Fatal(err)
			}
			limit := 10 * SampleRate
			pcm, err := ReadAll(src, limit)
			if tc.want < 0 {
				if err == nil {
					t.Fatalf("endless source ended after %d samples", len(pcm))
				}
				return
			}
			if err != nil || len(pcm) != tc.want {
				t.Fatalf("%d samples (%v), want %d", len(pcm), err, tc.want)
			}
			if n, err := src.Next(make([]int16, 160)); n != 0 || !errors.Is(err, io.EOF) {
				t.Errorf("after the end: %d, %v", n, err)
			}
		})
	}
	tone, _ := NewTone(1000, 10000, 500*time.Millisecond)
	pcm, _ := ReadAll(tone, 0)
	dominant(t, pcm, 1000)
	peak := 0
	for _, v := range pcm {
		peak = max(peak, int(math.Abs(float64(v))))
	}
	if peak < 9990 || peak > 10000 {
		t.Errorf("tone peak %d, want 10000", peak)
	}
	for _, f := range []float64{0, -5, 4000, math.NaN()} {
		if _, err := NewTone(f, 100, time.Second); err == nil {
			t.Errorf("NewTone(%g) did not fail", f)
		}
	}
}

func TestSequenceAndLoop(t *testing.T) {
	a := NewSamples([]int16{1, 2, 3})
	b := NewSamples(nil)
	c := NewSamples([]int16{4, 5})
	seq := NewSequence(a, b, c)
	buf := make([]int16, 2)
	var got []int16
	for {
		n, err := seq.Next(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
	}
	if want := []int16{1, 2, 3, 4, 5}; !equal16(got, want) {
		t.Errorf("sequence %v, want %v", got, want)
	}
	if err := seq.Rewind(); err != nil {
		t.Fatal(err)
	}
	loop := NewLoop(seq, 3)
	all, err := ReadAll(loop, 0)
	if err != nil || len(all) != 15 || all[5] != 1 || all[14] != 5 {
		t.Errorf("loop x3 = %v (%v)", all, err)
	}
	// An endless loop over an empty source ends instead of spinning.
	if all, err := ReadAll(NewLoop(NewSamples(nil), 0), 0); err != nil || len(all) != 0 {
		t.Errorf("empty loop = %v, %v", all, err)
	}
	// Endless loop keeps going.
	if _, err := ReadAll(NewLoop(NewSamples([]int16{1}), 0), 1000); err == nil {
		t.Error("endless loop ended")
	}
	// A sequence holding a non-rewindable part refuses to rewind.
	tone, _ := NewTone(440, 1, time.Second)
	if err := NewSequence(tone).Rewind(); err == nil {
		t.Error("rewind through a tone did not fail")
	}
	// Errors of a part surface with its index.
	bad := NewSequence(NewSamples([]int16{1}), failing{})
	if _, err := ReadAll(bad, 0); err == nil {
		t.Error("failing part went unnoticed")
	}
	if _, err := ReadAll(NewLoop(failingRewinder{}, 0), 0); err == nil {
		t.Error("failing loop went unnoticed")
	}
	s := NewSamples(make([]int16, 800))
	if s.Len() != 800 || s.Duration() != 100*time.Millisecond || len(s.Data()) != 800 {
		t.Errorf("Samples len %d duration %v", s.Len(), s.Duration())
	}
}

type failing struct{}

func (failing) Next([]int16) (int, error) { return 0, errors.New("disk on fire") }

type failingRewinder struct{ failing }

func (failingRewinder) Rewind() error { return nil }

func equal16(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

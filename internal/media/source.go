package media

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Audio format used throughout the package.
const (
	SampleRate   = 8000                  // samples per second
	FrameSamples = SampleRate / 50       // 160 samples: one 20 ms frame
	FrameTime    = 20 * time.Millisecond // duration of one frame
)

// Source produces 8 kHz mono 16-bit linear PCM.
//
// Next fills buf with up to len(buf) samples (callers normally pass a
// FrameSamples buffer) and returns how many it wrote. A source returns
// n > 0 with a nil error while it has audio; at its end it returns 0 and
// io.EOF. A short frame (0 < n < len(buf)) may precede the end. Sources are
// not safe for concurrent use.
type Source interface {
	Next(buf []int16) (int, error)
}

// Rewinder is a Source that can start again from its beginning.
type Rewinder interface {
	Source
	Rewind() error
}

// Samples is an in-memory Source over a slice of samples; it can be
// rewound, so it loops (music on hold, prompts said again and again).
type Samples struct {
	data []int16
	pos  int
	enc  *encodedData // data encoded by each law, shared with the clones (encoded.go)
}

// NewSamples returns a Source reading data (not copied).
func NewSamples(data []int16) *Samples { return &Samples{data: data, enc: &encodedData{}} }

// Next implements Source.
func (s *Samples) Next(buf []int16) (int, error) {
	if s.pos >= len(s.data) {
		return 0, io.EOF
	}
	n := copy(buf, s.data[s.pos:])
	s.pos += n
	return n, nil
}

// Rewind implements Rewinder.
func (s *Samples) Rewind() error { s.pos = 0; return nil }

// Len returns the total number of samples.
func (s *Samples) Len() int { return len(s.data) }

// Duration returns the total duration.
func (s *Samples) Duration() time.Duration { return samplesDuration(len(s.data)) }

// Data returns the underlying samples (not a copy).
func (s *Samples) Data() []int16 { return s.data }

// Clone returns an independent reader of the same (shared, read-only) data,
// positioned at its beginning.
func (s *Samples) Clone() *Samples { return &Samples{data: s.data, enc: s.enc} }

func samplesDuration(n int) time.Duration {
	return time.Duration(n) * time.Second / SampleRate
}

func durationSamples(d time.Duration) int {
	return int(d * SampleRate / time.Second)
}

// Silence is a Source of zero samples.
type Silence struct {
	left     int
	infinite bool
}

// NewSilence returns d of silence, or endless silence when d <= 0.
func NewSilence(d time.Duration) *Silence {
	return &Silence{left: durationSamples(d), infinite: d <= 0}
}

// Next implements Source.
func (s *Silence) Next(buf []int16) (int, error) {
	n := len(buf)
	if !s.infinite {
		if s.left <= 0 {
			return 0, io.EOF
		}
		n = min(n, s.left)
		s.left -= n
	}
	clear(buf[:n])
	return n, nil
}

// Tone is a Source of a sine wave (a test signal, or the voice of an agent
// bot). The phase is carried from frame to frame, so there is no click at
// frame boundaries.
type Tone struct {
	step, phase float64
	amp         float64
	left        int
	infinite    bool
}

// NewTone returns a sine of freq Hz and the given peak amplitude lasting d,
// or endless when d <= 0. freq must lie in (0, SampleRate/2).
func NewTone(freq float64, amplitude int16, d time.Duration) (*Tone, error) {
	if !(freq > 0 && freq < SampleRate/2) {
		return nil, fmt.Errorf("media: tone frequency %g Hz outside (0, %d)", freq, SampleRate/2)
	}
	return &Tone{
		step:     2 * math.Pi * freq / SampleRate,
		amp:      math.Abs(float64(amplitude)),
		left:     durationSamples(d),
		infinite: d <= 0,
	}, nil
}

// Next implements Source.
func (t *Tone) Next(buf []int16) (int, error) {
	n := len(buf)
	if !t.infinite {
		if t.left <= 0 {
			return 0, io.EOF
		}
		n = min(n, t.left)
		t.left -= n
	}
	for i := range buf[:n] {
		buf[i] = int16(math.Round(t.amp * math.Sin(t.phase)))
		t.phase += t.step
		if t.phase >= 2*math.Pi {
			t.phase -= 2 * math.Pi
		}
	}
	return n, nil
}

// Sequence plays sources one after the other.
type Sequence struct {
	srcs []Source
	cur  int
}

// NewSequence returns the concatenation of srcs.
func NewSequence(srcs ...Source) *Sequence { return &Sequence{srcs: srcs} }

// Next implements Source. A frame never spans two sources: the last frame
// of each may be short.
func (s *Sequence) Next(buf []int16) (int, error) {
	for s.cur < len(s.srcs) {
		n, err := s.srcs[s.cur].Next(buf)
		if n > 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				return n, err
			}
			return n, nil
		}
		if err == nil {
			continue // n == 0 without error: ask again
		}
		if !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("media: sequence part %d: %w", s.cur, err)
		}
		s.cur++
	}
	return 0, io.EOF
}

// Rewind implements Rewinder when every part is a Rewinder.
func (s *Sequence) Rewind() error {
	for i, src := range s.srcs {
		r, ok := src.(Rewinder)
		if !ok {
			return fmt.Errorf("media: sequence part %d (%T) cannot rewind", i, src)
		}
		if err := r.Rewind(); err != nil {
			return fmt.Errorf("media: rewind sequence part %d: %w", i, err)
		}
	}
	s.cur = 0
	return nil
}

// Loop plays a Rewinder again and again: count times, or forever when
// count <= 0 (music on hold).
type Loop struct {
	src   Rewinder
	count int
	done  int
	got   bool // the current pass produced samples
}

// NewLoop returns src played count times, or forever when count <= 0.
func NewLoop(src Rewinder, count int) *Loop { return &Loop{src: src, count: count} }

// Next implements Source. An empty source ends the loop instead of
// spinning.
func (l *Loop) Next(buf []int16) (int, error) {
	for {
		n, err := l.src.Next(buf)
		if n > 0 {
			l.got = true
			return n, nil
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("media: loop: %w", err)
		}
		l.done++
		if !l.got || (l.count > 0 && l.done >= l.count) {
			return 0, io.EOF
		}
		if err := l.src.Rewind(); err != nil {
			return 0, fmt.Errorf("media: loop: %w", err)
		}
		l.got = false
	}
}

// ReadAll drains a source into memory, stopping with an error past max
// samples (max <= 0: no limit).
func ReadAll(src Source, max int) ([]int16, error) {
	var out []int16
	buf := make([]int16, FrameSamples)
	for {
		n, err := src.Next(buf)
		out = append(out, buf[:n]...)
		if max > 0 && len(out) > max {
			return out, fmt.Errorf("media: source longer than %d samples", max)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

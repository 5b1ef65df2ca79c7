package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Limits of ImportWAV's input.
const (
	minImportRate = 8000
	maxImportRate = 48000
	maxChannels   = 2
)

// ErrTooLong refuses audio longer than ImportWAV's limit.
var ErrTooLong = errors.New("media: audio too long")

// ImportWAV reads a recorded prompt as an administrator uploads it and
// returns it as Plateau plays audio: 8 kHz mono 16-bit PCM. Accepted: 16-bit
// PCM at 8 to 48 kHz, mono or stereo (channels are averaged; other rates
// are low-pass filtered and resampled), and 8 kHz mono G.711. Audio longer
// than maxDur is ErrTooLong; anything else gets an error naming what was
// found.
func ImportWAV(r io.Reader, maxDur time.Duration) ([]int16, error) {
	f, tag, size, err := readWAVHeader(r)
	if err != nil {
		return nil, err
	}
	if f.SampleRate == SampleRate && f.Channels == 1 {
		wr, err := newWAVReader(r, f, tag, size)
		if err != nil {
			return nil, err
		}
		limit := durationSamples(maxDur)
		pcm, err := ReadAll(wr, limit)
		if len(pcm) > limit {
			return nil, fmt.Errorf("%w: more than %v", ErrTooLong, maxDur)
		}
		if err != nil {
			return nil, err
		}
		return pcm, nil
	}
	if tag != wavPCM || f.BitsPerSample != 16 {
		return nil, fmt.Errorf("media: wav: %d-bit audio with format %#x at %d Hz: want 16-bit PCM (or 8 kHz G.711)", f.BitsPerSample, tag, f.SampleRate)
	}
	if f.Channels < 1 || f.Channels > maxChannels {
		return nil, fmt.Errorf("media: wav: %d channels, want mono or stereo", f.Channels)
	}
	if f.SampleRate < minImportRate || f.SampleRate > maxImportRate {
		return nil, fmt.Errorf("media: wav: %d Hz, want %d to %d Hz", f.SampleRate, minImportRate, maxImportRate)
	}
	// Read at most maxDur (and one frame more, to tell it was longer).
	limit := int64(maxDur.Seconds()*float64(f.SampleRate)) * int64(2*f.Channels)
	if size != 0 && size != math.MaxUint32 {
		r = io.LimitReader(r, int64(size))
	}
	raw, err := io.ReadAll(io.LimitReader(r, limit+int64(2*f.Channels)))
	if err != nil {
		return nil, fmt.Errorf("media: wav read: %w", err)
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("%w: more than %v", ErrTooLong, maxDur)
	}
	frames := len(raw) / (2 * f.Channels)
	mono := make([]float64, frames)
	for i := range frames {
		var sum float64
		for ch := range f.Channels {
			sum += float64(int16(binary.LittleEndian.Uint16(raw[2*(i*f.Channels+ch):])))
		}
		mono[i] = sum / float64(f.Channels)
	}
	return Resample(mono, f.SampleRate), nil
}

// Resample converts audio at rate (8 kHz or more) to 8 kHz 16-bit samples.
// A windowed-sinc low-pass (Blackman window, 64 zero crossings wide at 8
// kHz) passes the telephone band to 3.3 kHz and stops what is above 4 kHz,
// which would otherwise fold back into it. The kernel is tabulated once,
// at 1/64 of an input sample, and read with linear interpolation.
func Resample(in []float64, rate int) []int16 {
	if rate == SampleRate {
		out := make([]int16, len(in))
		for i, v := range in {
			out[i] = clip16(v)
		}
		return out
	}
	const (
		cutoff = 3650.0 // Hz: the middle of the 3.3-4 kHz transition
		width  = 32     // zero crossings of the 8 kHz sinc on each side
		res    = 64     // table points per input sample
	)
	step := float64(rate) / SampleRate // input samples per output sample
	half := int(math.Ceil(width * step))
	fc := cutoff / float64(rate) // cycles per input sample
	table := make([]float64, half*res+2)
	for i := range table {
		x := float64(i) / res
		table[i] = lowpass(x, fc) * blackman(x, float64(half))
	}
	kernel := func(x float64) float64 {
		p := math.Abs(x) * res
		i := int(p)
		if i+1 >= len(table) {
			return 0
		}
		frac := p - float64(i)
		return table[i]*(1-frac) + table[i+1]*frac
	}
	n := int(float64(len(in)) / step)
	out := make([]int16, n)
	for i := range out {
		t := float64(i) * step
		c := int(math.Floor(t))
		var acc, norm float64
		for k := max(c-half+1, 0); k <= c+half && k < len(in); k++ {
			h := kernel(t - float64(k))
			acc += in[k] * h
			norm += h
		}
		if norm != 0 {
			acc /= norm
		}
		out[i] = clip16(acc)
	}
	return out
}

// lowpass is the ideal low-pass kernel with cut-off fc (cycles per sample).
func lowpass(x, fc float64) float64 {
	if x == 0 {
		return 2 * fc
	}
	return math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
}

// blackman is the Blackman window over [-half, half].
func blackman(x, half float64) float64 {
	if math.Abs(x) >= half {
		return 0
	}
	p := math.Pi * (x + half) / half // 0..2π
	return 0.42 - 0.5*math.Cos(p) + 0.08*math.Cos(2*p)
}

func clip16(v float64) int16 {
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	}
	return int16(math.Round(v))
}

// EncodeWAV returns samples as an 8 kHz mono 16-bit PCM WAV file.
func EncodeWAV(samples []int16) []byte {
	b := wavHeader(uint32(2 * len(samples)))
	for _, v := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// pcmWAV builds a 16-bit PCM WAV of channels at rate from frames of
// interleaved samples.
func pcmWAV(rate, channels int, samples []int16) []byte {
	var b bytes.Buffer
	data := 2 * len(samples)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(wavPCM))
	binary.Write(&b, binary.LittleEndian, uint16(channels))
	binary.Write(&b, binary.LittleEndian, uint32(rate))
	binary.Write(&b, binary.LittleEndian, uint32(rate*2*channels))
	binary.Write(&b, binary.LittleEndian, uint16(2*channels))
	binary.Write(&b, binary.LittleEndian, uint16(16))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data))
	binary.Write(&b, binary.LittleEndian, samples)
	return b.Bytes()
}

// sine returns d of a sine at freq sampled at rate, interleaved over
// channels (the same in each).
func sine(freq float64, rate, channels int, d time.Duration, amp float64) []int16 {
	n := int(d.Seconds() * float64(rate))
	out := make([]int16, 0, n*channels)
	for i := range n {
		v := int16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		for range channels {
			out = append(out, v)
		}
	}
	return out
}

func rms(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// toneLevel measures the amplitude of freq in x (8 kHz) by correlation.
func toneLevel(x []int16, freq float64) float64 {
	var re, im float64
	for i, v := range x {
		a := 2 * math.Pi * freq * float64(i) / SampleRate
		re += float64(v) * math.Cos(a)
		im += float64(v) * math.Sin(a)
	}
	return 2 * math.Hypot(re, im) / float64(len(x))
}

func TestImportWAV(t *testing.T) {
	for _, tc := range []struct {
		rate, channels int
	}{{8000, 1}, {16000, 1}, {22050, 2}, {44100, 2}, {48000, 1}} {
		// 1 kHz passes at its level; 5 kHz (above the telephone band) is
		// filtered out instead of folding back to 3 kHz.
		in := sine(1000, tc.rate, tc.channels, time.Second, 10000)
		got, err := ImportWAV(bytes.NewReader(pcmWAV(tc.rate, tc.channels, in)), 2*time.Second)
		if err != nil {
			t.Fatalf("%d Hz x%d: %v", tc.rate, tc.channels, err)
		}
		if d := len(got) - SampleRate; d < -2 || d > 2 {
			t.Errorf("%d Hz x%d: %d samples for 1 s, want %d", tc.rate, tc.channels, len(got), SampleRate)
		}
		if l := toneLevel(got[400:len(got)-400], 1000); math.Abs(l-10000) > 300 {
			t.Errorf("%d Hz x%d: 1 kHz at %.0f, want 10000", tc.rate, tc.channels, l)
		}
		if tc.rate >= 16000 {
			// The telephone band passes (3.3 kHz within 1 dB); above 4 kHz
			// is stopped (-40 dB), not folded back.
			for _, c := range []struct {
				freq     float64
				min, max float64 // RMS of a 10,000 amplitude sine: 7071
			}{{3300, 6300, 7200}, {4100, 0, 70}, {5000, 0, 70}, {7000, 0, 70}} {
				in := sine(c.freq, tc.rate, tc.channels, time.Second, 10000)
				got, err := ImportWAV(bytes.NewReader(pcmWAV(tc.rate, tc.channels, in)), 2*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if r := rms(got[800 : len(got)-800]); r < c.min || r > c.max {
					t.Errorf("%d Hz input: %.0f Hz at RMS %.0f after resampling, want %.0f to %.0f", tc.rate, c.freq, r, c.min, c.max)
				}
			}
		}
	}
	// Stereo channels are averaged.
	st := make([]int16, 0, 2*8000)
	for range 8000 {
		st = append(st, 1000, 3000)
	}
	got, err := ImportWAV(bytes.NewReader(pcmWAV(8000, 2, st)), time.Second)
	if err != nil || got[100] != 2000 {
		t.Fatalf("stereo 1000/3000 gives %v, %v; want 2000", got[100], err)
	}
}

func TestImportWAVRefuses(t *testing.T) {
	long := pcmWAV(16000, 1, make([]int16, 16000*3))
	if _, err := ImportWAV(bytes.NewReader(long), 2*time.Second); !errors.Is(err, ErrTooLong) {
		t.Errorf("3 s at 16 kHz with a 2 s limit: %v, want ErrTooLong", err)
	}
	long8k := pcmWAV(8000, 1, make([]int16, 8000*3))
	if _, err := ImportWAV(bytes.NewReader(long8k), 2*time.Second); !errors.Is(err, ErrTooLong) {
		t.Errorf("3 s at 8 kHz with a 2 s limit: %v, want ErrTooLong", err)
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"not wav":    {[]byte("ID3\x04 an mp3 file"), "RIFF"},
		"empty":      {nil, "header"},
		"6 channels": {pcmWAV(48000, 6, make([]int16, 600)), "6 channels"},
		"96 kHz":     {pcmWAV(96000, 1, make([]int16, 600)), "96000 Hz"},
		"4 kHz":      {pcmWAV(4000, 1, make([]int16, 600)), "4000 Hz"},
		"truncated":  {pcmWAV(16000, 1, make([]int16, 600))[:30], "fmt"},
	} {
		_, err := ImportWAV(bytes.NewReader(tc.data), time.Second)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", name, err, tc.want)
		}
	}
}

func TestEncodeWAVRoundTrip(t *testing.T) {
	in := sine(440, SampleRate, 1, 300*time.Millisecond, 8000)
	r, err := ReadWAV(bytes.NewReader(EncodeWAV(in)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := ReadAll(r, 0)
	if err != nil || !slices.Equal(in, out) {
		t.Fatalf("round trip: %d samples of %d, err %v", len(out), len(in), err)
	}
}

func FuzzImportWAV(f *testing.F) {
	f.Add(pcmWAV(16000, 2, sine(1000, 16000, 2, 10*time.Millisecond, 5000)))
	f.Add(EncodeWAV(make([]int16, 160)))
	f.Fuzz(func(t *testing.T, b []byte) {
		pcm, err := ImportWAV(bytes.NewReader(b), 100*time.Millisecond)
		if err == nil && len(pcm) > 801 {
			t.Fatalf("%d samples past a 100 ms limit", len(pcm))
		}
	})
}

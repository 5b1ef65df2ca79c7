package media

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// testPCM is n samples sweeping the whole int16 range.
func testPCM(n int) []int16 {
	d := make([]int16, n)
	for i := range d {
		d[i] = int16(i*7919 - 32768)
	}
	return d
}

// encodeFrames plays src the way the player did before prompts were
// encoded once: Next into a frame of PCM, the rest zeroed, Encode.
func encodeFrames(t *testing.T, src Source, codec *Codec) [][]byte {
	t.Helper()
	pcm := make([]int16, FrameSamples)
	var out [][]byte
	for len(out) < 10_000 {
		n, err := src.Next(pcm)
		if n == 0 {
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		clear(pcm[n:])
		b := make([]byte, FrameSamples)
		codec.Encode(b, pcm)
		out = append(out, b)
	}
	t.Fatal("endless source")
	return nil
}

func nextFrames(t *testing.T, src Source, codec *Codec) [][]byte {
	t.Helper()
	pcm := make([]int16, FrameSamples)
	var out [][]byte
	for len(out) < 10_000 {
		b := bytes.Repeat([]byte{0x42}, FrameSamples) // stale bytes must not leak
		n, err := nextFrame(src, codec, pcm, b)
		if n == 0 {
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		out = append(out, b)
	}
	t.Fatal("endless source")
	return nil
}

// TestEncodedFramesMatch: the frames sent from the prompts encoded once
// are those encoded frame by frame, for both laws, across sequences,
// loops, silences, short last frames and sources that have no encoded
// form (a tone).
func TestEncodedFramesMatch(t *testing.T) {
	prompt := NewSamples(testPCM(3*FrameSamples + 77))
	music := NewSamples(testPCM(2*FrameSamples + 5))
	bare := &Samples{data: testPCM(FrameSamples + 1)} // no shared encoding
	build := func() Source {
		tone, err := NewTone(440, 8000, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		return NewSequence(prompt.Clone(), NewSilence(35*time.Millisecond), NewLoop(music.Clone(), 3), tone, bare.Clone(),
			NewSequence(prompt.Clone()))
	}
	for _, law := range []Law{Ulaw, Alaw} {
		codec, err := NewCodec(law)
		if err != nil {
			t.Fatal(err)
		}
		want := encodeFrames(t, build(), codec)
		got := nextFrames(t, build(), codec)
		if len(got) != len(want) {
			t.Fatalf("%s: %d frames, want %d", law, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%s: frame %d differs:\n got %x\nwant %x", law, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkPromptFrame: one frame of a prompt, encoded once (encoded)
// against encoded for each call's frame (each).
func BenchmarkPromptFrame(b *testing.B) {
	prompt := NewSamples(testPCM(50 * FrameSamples))
	codec, _ := NewCodec(Ulaw)
	pcm := make([]int16, FrameSamples)
	payload := make([]byte, FrameSamples)
	b.Run("encoded", func(b *testing.B) {
		src := NewLoop(prompt.Clone(), 0)
		for b.Loop() {
			nextFrame(src, codec, pcm, payload)
		}
	})
	b.Run("each", func(b *testing.B) {
		src := NewLoop(prompt.Clone(), 0)
		for b.Loop() {
			n, _ := src.Next(pcm)
			clear(pcm[n:])
			codec.Encode(payload, pcm)
		}
	})
}

package media

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// The prompts and music every call hears are the same samples: they are
// encoded once per law (encodedData, shared by a Samples and its clones)
// instead of frame by frame for each call, which cost about a tenth of the
// server's CPU with thousands of callers on hold.

// encodedSource is a Source that can give its next frame already encoded
// by codec: the same number of samples and the same end as Next. scratch
// is a frame of PCM for the parts that must be encoded on the fly.
type encodedSource interface {
	Source
	nextEncoded(dst []byte, codec *Codec, scratch []int16) (int, error)
}

// encodedData holds a Samples' data encoded by each law, made on first use.
type encodedData struct {
	once [2]sync.Once
	data [2][]byte
}

// of returns data encoded by codec's law.
func (e *encodedData) of(codec *Codec, data []int16) []byte {
	i := 0
	if codec.law == Alaw {
		i = 1
	}
	e.once[i].Do(func() {
		b := make([]byte, len(data))
		codec.Encode(b, data)
		e.data[i] = b
	})
	return e.data[i]
}

// silenceCode is what codec encodes a zero sample to.
func (c *Codec) silenceCode() byte {
	if c.law == Alaw {
		return AlawEncode(0)
	}
	return UlawEncode(0)
}

// nextFrame puts src's next frame into payload (one frame long) encoded
// by codec, a short frame padded with silence, as Next into pcm then
// Encode would; it returns Next's count and error.
func nextFrame(src Source, codec *Codec, pcm []int16, payload []byte) (int, error) {
	var (
		n   int
		err error
	)
	if es, ok := src.(encodedSource); ok {
		n, err = es.nextEncoded(payload[:len(pcm)], codec, pcm)
	} else {
		n, err = src.Next(pcm)
		codec.Encode(payload, pcm[:n])
	}
	if n > 0 {
		fill := codec.silenceCode()
		for i := n; i < len(payload); i++ {
			payload[i] = fill
		}
	}
	return n, err
}

// encodedNext is nextEncoded of any source.
func encodedNext(src Source, dst []byte, codec *Codec, scratch []int16) (int, error) {
	if es, ok := src.(encodedSource); ok {
		return es.nextEncoded(dst, codec, scratch)
	}
	n, err := src.Next(scratch[:min(len(dst), len(scratch))])
	codec.Encode(dst, scratch[:n])
	return n, err
}

func (s *Samples) nextEncoded(dst []byte, codec *Codec, _ []int16) (int, error) {
	if s.pos >= len(s.data) {
		return 0, io.EOF
	}
	var n int
	if s.enc != nil {
		n = copy(dst, s.enc.of(codec, s.data)[s.pos:])
	} else {
		n = codec.Encode(dst, s.data[s.pos:])
	}
	s.pos += n
	return n, nil
}

func (s *Silence) nextEncoded(dst []byte, codec *Codec, _ []int16) (int, error) {
	n := len(dst)
	if !s.infinite {
		if s.left <= 0 {
			return 0, io.EOF
		}
		n = min(n, s.left)
		s.left -= n
	}
	fill := codec.silenceCode()
	for i := range dst[:n] {
		dst[i] = fill
	}
	return n, nil
}

// nextEncoded is Next, encoded (the same walk over the parts).
func (s *Sequence) nextEncoded(dst []byte, codec *Codec, scratch []int16) (int, error) {
	for s.cur < len(s.srcs) {
		n, err := encodedNext(s.srcs[s.cur], dst, codec, scratch)
		if n > 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				return n, err
			}
			return n, nil
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("media: sequence part %d: %w", s.cur, err)
		}
		s.cur++
	}
	return 0, io.EOF
}

// nextEncoded is Next, encoded.
func (l *Loop) nextEncoded(dst []byte, codec *Codec, scratch []int16) (int, error) {
	for {
		n, err := encodedNext(l.src, dst, codec, scratch)
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

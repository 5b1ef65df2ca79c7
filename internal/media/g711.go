package media

import (
	"fmt"
	"math/bits"
)

// G.711 (ITU-T Recommendation G.711, 1988) companding of linear PCM into
// 8-bit codes. The Recommendation defines µ-law on 14-bit and A-law on
// 13-bit linear samples; this file works on 16-bit samples, the
// Recommendation's values scaled by 4 (µ-law) and 8 (A-law), so that
// decoded audio uses the full int16 range.
//
// µ-law: a code is the one's complement of sign(1 bit, 1 = negative)
// | segment(3 bits) | step(4 bits). With a bias of 33 (14-bit scale), the
// biased magnitude of segment s lies in [2^(s+5), 2^(s+6)), and the step is
// the 4 bits below its leading one. Decoding returns the middle of the
// quantisation interval. Both 0xFF and 0x7F decode to 0 ("positive" and
// "negative" zero); 0 encodes to 0xFF.
//
// A-law: a code is sign(1 bit, 1 = positive) | segment(3 bits) | step(4
// bits), with the even bits inverted (XOR 0x55). On 12-bit magnitudes,
// segment 0 covers [0, 32) in steps of 2 and segment s >= 1 covers
// [16·2^s, 32·2^s) in steps of 2^s. Decoding returns the middle of the
// interval; there is no code for zero (0xD5 decodes to +8, 0x55 to -8).

const (
	ulawBias = 0x84 // 33 in the 14-bit scale, times 4
	ulawClip = 32635
)

// Law identifies a G.711 companding law.
type Law uint8

// The two G.711 laws.
const (
	Ulaw Law = iota + 1 // µ-law (PCMU, North America and Japan)
	Alaw                // A-law (PCMA, Europe and most other countries)
)

// String returns the RTP encoding name of the law ("PCMU" or "PCMA").
func (l Law) String() string {
	switch l {
	case Ulaw:
		return "PCMU"
	case Alaw:
		return "PCMA"
	}
	return fmt.Sprintf("Law(%d)", uint8(l))
}

// PayloadType returns the static RTP payload type of the law (RFC 3551):
// 0 for PCMU, 8 for PCMA.
func (l Law) PayloadType() uint8 {
	if l == Alaw {
		return PayloadPCMA
	}
	return PayloadPCMU
}

// UlawEncode compresses one 16-bit linear sample to a µ-law code.
func UlawEncode(x int16) byte {
	v := int32(x)
	var sign byte
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias // now in [132, 32767]: bit 7 or a higher one is set
	seg := bits.Len32(uint32(v)>>7) - 1
	step := byte(v>>(seg+3)) & 0x0F
	return ^(sign | byte(seg)<<4 | step)
}

// UlawDecode expands a µ-law code to a 16-bit linear sample.
func UlawDecode(c byte) int16 {
	c = ^c
	t := (int32(c&0x0F)<<3 + ulawBias) << ((c & 0x70) >> 4)
	if c&0x80 != 0 {
		return int16(ulawBias - t)
	}
	return int16(t - ulawBias)
}

// AlawEncode compresses one 16-bit linear sample to an A-law code.
func AlawEncode(x int16) byte {
	v := int32(x)
	mask := byte(0xD5) // positive: sign bit set, even bits inverted
	if v < 0 {
		v = ^v // -v-1: keeps -32768 in range and is symmetric with decode
		mask = 0x55
	}
	m := uint32(v) >> 3 // 12-bit magnitude
	var code byte
	if m < 32 {
		code = byte(m >> 1)
	} else {
		seg := bits.Len32(m) - 5 // 1..7
		code = byte(seg)<<4 | byte(m>>seg)&0x0F
	}
	return code ^ mask
}

// AlawDecode expands an A-law code to a 16-bit linear sample.
func AlawDecode(c byte) int16 {
	c ^= 0x55
	t := int32(c&0x0F) << 4
	switch seg := (c & 0x70) >> 4; seg {
	case 0:
		t += 8
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if c&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// Codec encodes and decodes frames of one G.711 law. It holds the law's
// 256-entry decode table, filled by NewCodec and never modified after, so a
// Codec may be shared by any number of goroutines.
type Codec struct {
	law Law
	dec [256]int16
}

// NewCodec returns the codec of a law.
func NewCodec(law Law) (*Codec, error) {
	c := &Codec{law: law}
	var dec func(byte) int16
	switch law {
	case Ulaw:
		dec = UlawDecode
	case Alaw:
		dec = AlawDecode
	default:
		return nil, fmt.Errorf("media: unknown G.711 law %d", law)
	}
	for i := range c.dec {
		c.dec[i] = dec(byte(i))
	}
	return c, nil
}

// Law returns the codec's law.
func (c *Codec) Law() Law { return c.law }

// Encode compresses src into dst and returns the number of codes written,
// min(len(dst), len(src)).
func (c *Codec) Encode(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	if c.law == Alaw {
		for i, x := range src {
			dst[i] = AlawEncode(x)
		}
		return n
	}
	for i, x := range src {
		dst[i] = UlawEncode(x)
	}
	return n
}

// Decode expands src into dst by table look-up and returns the number of
// samples written, min(len(dst), len(src)).
func (c *Codec) Decode(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = c.dec[b]
	}
	return n
}

// DecodeByte expands one code by table look-up.
func (c *Codec) DecodeByte(b byte) int16 { return c.dec[b] }

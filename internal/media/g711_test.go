package media

import (
	"math"
	"testing"
)

func TestG711KnownValues(t *testing.T) {
	tests := []struct {
		name string
		law  Law
		code byte
		lin  int16
	}{
		{"ulaw positive zero", Ulaw, 0xFF, 0},
		{"ulaw negative zero", Ulaw, 0x7F, 0},
		{"ulaw most negative", Ulaw, 0x00, -32124},
		{"ulaw most positive", Ulaw, 0x80, 32124},
		{"ulaw segment 0 step 1", Ulaw, 0xFE, 8},    // 2 in the 14-bit table
		{"ulaw segment 0 step 15", Ulaw, 0xF0, 120}, // 30
		{"ulaw segment 1 step 0", Ulaw, 0xEF, 132},  // 33
		{"ulaw segment 1 step 0 negative", Ulaw, 0x6F, -132},
		{"alaw smallest positive", Alaw, 0xD5, 8},
		{"alaw smallest negative", Alaw, 0x55, -8},
		{"alaw most positive", Alaw, 0xAA, 32256},
		{"alaw most negative", Alaw, 0x2A, -32256},
		{"alaw segment 1 step 0", Alaw, 0xC5, 264}, // 33 in the 12-bit table
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec, _ := lawFuncs(tc.law)
			if got := dec(tc.code); got != tc.lin {
				t.Errorf("decode(%#02x) = %d, want %d", tc.code, got, tc.lin)
			}
		})
	}
}

func TestG711EncodeKnown(t *testing.T) {
	tests := []struct {
		law  Law
		in   int16
		want byte
	}{
		{Ulaw, 0, 0xFF},
		{Ulaw, -1, 0x7F},
		{Ulaw, 32767, 0x80},
		{Ulaw, -32768, 0x00},
		{Ulaw, 32124, 0x80},
		{Alaw, 0, 0xD5},
		{Alaw, 15, 0xD5},
		{Alaw, -1, 0x55},
		{Alaw, 32767, 0xAA},
		{Alaw, -32768, 0x2A},
	}
	for _, tc := range tests {
		_, enc := lawFuncs(tc.law)
		if got := enc(tc.in); got != tc.want {
			t.Errorf("%v encode(%d) = %#02x, want %#02x", tc.law, tc.in, got, tc.want)
		}
	}
}

// Every code survives decode then encode, except µ-law's negative zero
// 0x7F, which becomes the positive zero 0xFF.
func TestG711CodeRoundTrip(t *testing.T) {
	for _, law := range []Law{Ulaw, Alaw} {
		dec, enc := lawFuncs(law)
		for i := range 256 {
			c := byte(i)
			want := c
			if law == Ulaw && c == 0x7F {
				want = 0xFF
			}
			if got := enc(dec(c)); got != want {
				t.Errorf("%v: encode(decode(%#02x)=%d) = %#02x, want %#02x", law, c, dec(c), got, want)
			}
		}
	}
}

// Over every int16, encoding is monotonic and the reconstruction error
// stays within half a quantisation step (at most |x|/16, or 16 near zero).
func TestG711AllSamples(t *testing.T) {
	for _, law := range []Law{Ulaw, Alaw} {
		dec, enc := lawFuncs(law)
		prev := int16(math.MinInt16)
		for x := math.MinInt16; x <= math.MaxInt16; x++ {
			y := dec(enc(int16(x)))
			if y < prev {
				t.Fatalf("%v: not monotonic at %d: %d after %d", law, x, y, prev)
			}
			prev = y
			bound := max(math.Abs(float64(x))/16, 16)
			if e := math.Abs(float64(y) - float64(x)); e > bound {
				t.Fatalf("%v: x=%d decodes back to %d, error %.0f > %.0f", law, x, y, e, bound)
			}
		}
	}
}

func TestCodecTablesMatchDefinition(t *testing.T) {
	for _, law := range []Law{Ulaw, Alaw} {
		c, err := NewCodec(law)
		if err != nil {
			t.Fatal(err)
		}
		dec, enc := lawFuncs(law)
		src := make([]byte, 256)
		for i := range src {
			src[i] = byte(i)
		}
		pcm := make([]int16, 256)
		if n := c.Decode(pcm, src); n != 256 {
			t.Fatalf("Decode wrote %d", n)
		}
		back := make([]byte, 256)
		if n := c.Encode(back, pcm); n != 256 {
			t.Fatalf("Encode wrote %d", n)
		}
		for i := range 256 {
			if pcm[i] != dec(byte(i)) || back[i] != enc(pcm[i]) || c.DecodeByte(byte(i)) != pcm[i] {
				t.Fatalf("%v: table and definition differ at %#02x", law, i)
			}
		}
	}
	if _, err := NewCodec(Law(9)); err == nil {
		t.Error("NewCodec(9) did not fail")
	}
	if Ulaw.String() != "PCMU" || Alaw.String() != "PCMA" || Ulaw.PayloadType() != 0 || Alaw.PayloadType() != 8 {
		t.Error("law names or payload types wrong")
	}
}

func lawFuncs(l Law) (func(byte) int16, func(int16) byte) {
	if l == Alaw {
		return AlawDecode, AlawEncode
	}
	return UlawDecode, UlawEncode
}

// ulawEncodeSearch is the baseline for the benchmarks: the textbook
// encoder that finds the segment by comparing against each segment's end.
func ulawEncodeSearch(x int16) byte {
	ends := [8]int32{0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF}
	v := int32(x)
	var sign byte
	if v < 0 {
		v, sign = -v, 0x80
	}
	v = min(v, ulawClip) + ulawBias
	seg := 0
	for seg < 7 && v > ends[seg] {
		seg++
	}
	return ^(sign | byte(seg)<<4 | byte(v>>(seg+3))&0x0F)
}

func TestUlawSearchBaselineAgrees(t *testing.T) {
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		if a, b := UlawEncode(int16(x)), ulawEncodeSearch(int16(x)); a != b {
			t.Fatalf("x=%d: fast %#02x, search %#02x", x, a, b)
		}
	}
}

func benchPCM() []int16 {
	pcm := make([]int16, FrameSamples*50) // 1 s
	for i := range pcm {
		pcm[i] = int16(12000 * math.Sin(2*math.Pi*440*float64(i)/SampleRate))
	}
	return pcm
}

func BenchmarkUlawEncode(b *testing.B) {
	pcm, out := benchPCM(), make([]byte, FrameSamples*50)
	b.SetBytes(int64(len(pcm)))
	for b.Loop() {
		for i, x := range pcm {
			out[i] = UlawEncode(x)
		}
	}
}

func BenchmarkUlawEncodeSearchBaseline(b *testing.B) {
	pcm, out := benchPCM(), make([]byte, FrameSamples*50)
	b.SetBytes(int64(len(pcm)))
	for b.Loop() {
		for i, x := range pcm {
			out[i] = ulawEncodeSearch(x)
		}
	}
}

func BenchmarkAlawEncode(b *testing.B) {
	pcm, out := benchPCM(), make([]byte, FrameSamples*50)
	c, _ := NewCodec(Alaw)
	b.SetBytes(int64(len(pcm)))
	for b.Loop() {
		c.Encode(out, pcm)
	}
}

func BenchmarkUlawDecodeTable(b *testing.B) {
	c, _ := NewCodec(Ulaw)
	src, out := make([]byte, FrameSamples*50), make([]int16, FrameSamples*50)
	c.Encode(src, benchPCM())
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		c.Decode(out, src)
	}
}

func BenchmarkUlawDecodeArithmeticBaseline(b *testing.B) {
	c, _ := NewCodec(Ulaw)
	src, out := make([]byte, FrameSamples*50), make([]int16, FrameSamples*50)
	c.Encode(src, benchPCM())
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		for i, x := range src {
			out[i] = UlawDecode(x)
		}
	}
}

package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	b   []byte
	off int
}

func (m *memFile) Write(p []byte) (int, error) {
	if need := m.off + len(p); need > len(m.b) {
		m.b = append(m.b, make([]byte, need-len(m.b))...)
	}
	copy(m.b[m.off:], p)
	m.off += len(p)
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		m.off = int(off)
	case io.SeekCurrent:
		m.off += int(off)
	case io.SeekEnd:
		m.off = len(m.b) + int(off)
	}
	return int64(m.off), nil
}

func TestWAVWriteRead(t *testing.T) {
	var f memFile
	w, err := NewWAVWriter(&f)
	if err != nil {
		t.Fatal(err)
	}
	tone, _ := NewTone(440, 12000, 0)
	want := make([]int16, 1000)
	tone.Next(want)
	if err := w.Write(want[:600]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(want[600:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil || w.Close() != nil {
		t.Fatal(err)
	}
	if err := w.Write(want); err == nil {
		t.Error("write after close accepted")
	}
	if len(f.b) != 44+2000 || w.Samples() != 1000 {
		t.Fatalf("file of %d bytes", len(f.b))
	}
	if riff, data := binary.LittleEndian.Uint32(f.b[4:]), binary.LittleEndian.Uint32(f.b[40:]); riff != 36+2000 || data != 2000 {
		t.Errorf("sizes riff %d data %d", riff, data)
	}
	r, err := ReadWAV(bytes.NewReader(f.b))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadAll(r, 0)
	if err != nil || !equal16(got, want) {
		t.Errorf("read back %d samples (%v)", len(got), err)
	}
}

func TestCreateWAVFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "rec.wav")
	w, err := CreateWAV(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]int16{1, -1, 32767, -32768}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := LoadWAV(os.DirFS(filepath.Dir(name)), "rec.wav")
	if err != nil || !equal16(s.Data(), []int16{1, -1, 32767, -32768}) {
		t.Fatalf("LoadWAV = %v, %v", s, err)
	}
	if _, err := CreateWAV(filepath.Join(t.TempDir(), "no", "such", "dir.wav")); err == nil {
		t.Error("CreateWAV in a missing directory did not fail")
	}
}

// wavBytes builds a WAV file by hand: fmt chunk of fmtSize bytes, extra
// chunks before data, then data.
func wavBytes(tag, channels uint16, rate uint32, bits uint16, fmtSize uint32, extra string, dataSize uint32, data []byte) []byte {
	var b []byte
	b = append(b, "RIFF\x00\x00\x00\x00WAVE"...)
	b = append(b, "fmt "...)
	b = binary.LittleEndian.AppendUint32(b, fmtSize)
	b = binary.LittleEndian.AppendUint16(b, tag)
	b = binary.LittleEndian.AppendUint16(b, channels)
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = binary.LittleEndian.AppendUint32(b, rate*uint32(channels*bits/8))
	b = binary.LittleEndian.AppendUint16(b, channels*bits/8)
	b = binary.LittleEndian.AppendUint16(b, bits)
	b = append(b, make([]byte, fmtSize-16)...)
	if fmtSize&1 == 1 {
		b = append(b, 0)
	}
	b = append(b, extra...)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, dataSize)
	return append(b, data...)
}

func TestReadWAVFormats(t *testing.T) {
	ulaw := []byte{0xFF, 0x80, 0x00, 0x7F}
	alaw := []byte{0xD5, 0xAA, 0x2A, 0x55}
	pcm := []byte{1, 0, 0xFF, 0xFF, 0xFF, 0x7F, 9} // 1, -1, 32767, then half a sample
	list := "LIST\x03\x00\x00\x00abc\x00"          // odd-sized chunk, padded
	ext := func(sub uint16) []byte {
		b := wavBytes(wavExtensible, 1, 8000, 8, 40, "", 4, ulaw)
		binary.LittleEndian.PutUint16(b[20+24:], sub)
		return b
	}
	tests := []struct {
		name    string
		file    []byte
		want    []int16
		enc     string
		wantErr string
	}{
		{"mu-law", wavBytes(wavUlaw, 1, 8000, 8, 18, list, 4, ulaw), []int16{0, 32124, -32124, 0}, "PCMU", ""},
		{"a-law", wavBytes(wavAlaw, 1, 8000, 8, 18, "", 4, alaw), []int16{8, 32256, -32256, -8}, "PCMA", ""},
		{"pcm, trailing half sample", wavBytes(wavPCM, 1, 8000, 16, 16, list, 7, pcm), []int16{1, -1, 32767}, "PCM", ""},
		{"streaming size", wavBytes(wavPCM, 1, 8000, 16, 16, "", 0xFFFFFFFF, pcm[:4]), []int16{1, -1}, "PCM", ""},
		{"extensible mu-law", ext(wavUlaw), []int16{0, 32124, -32124, 0}, "PCMU", ""},
		{"data size beyond file", wavBytes(wavPCM, 1, 8000, 16, 16, "", 100, pcm[:4]), []int16{1, -1}, "PCM", ""},
		{"stereo", wavBytes(wavPCM, 2, 8000, 16, 16, "", 4, pcm[:4]), nil, "", "2 channel"},
		{"44.1 kHz", wavBytes(wavPCM, 1, 44100, 16, 16, "", 4, pcm[:4]), nil, "", "44100 Hz"},
		{"8-bit pcm", wavBytes(wavPCM, 1, 8000, 8, 16, "", 4, pcm[:4]), nil, "", "unsupported"},
		{"mp3", wavBytes(0x55, 1, 8000, 16, 16, "", 4, pcm[:4]), nil, "", "unsupported"},
		{"not riff", []byte("RIFX\x00\x00\x00\x00WAVEfmt "), nil, "", "not a RIFF"},
		{"truncated", []byte("RIF"), nil, "", "header"},
		{"no data chunk", wavBytes(wavPCM, 1, 8000, 16, 16, "", 0, nil)[:36], nil, "", "no data"},
		{"data before fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00"), nil, "", "before fmt"},
		{"tiny fmt", []byte("RIFF\x00\x00\x00\x00WAVEfmt \x04\x00\x00\x00abcd"), nil, "", "fmt chunk"},
		{"truncated chunk", []byte("RIFF\x00\x00\x00\x00WAVELIST\xff\x00\x00\x00abc"), nil, "", "skipping"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ReadWAV(bytes.NewReader(tc.file))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Format().Encoding != tc.enc {
				t.Errorf("encoding %q", r.Format().Encoding)
			}
			got, err := ReadAll(r, 0)
			if err != nil || !equal16(got, tc.want) {
				t.Errorf("samples %v (%v), want %v", got, err, tc.want)
			}
		})
	}
	if _, err := LoadWAV(fstest.MapFS{}, "nope.wav"); err == nil {
		t.Error("LoadWAV of a missing file did not fail")
	}
	if _, err := LoadWAV(fstest.MapFS{"x.wav": {Data: []byte("junk")}}, "x.wav"); err == nil {
		t.Error("LoadWAV of junk did not fail")
	}
}

type failWriter struct{ memFile }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(f.b) > 0 {
		return 0, errors.New("disk full")
	}
	return f.memFile.Write(p)
}

func TestWAVWriterErrors(t *testing.T) {
	w, err := NewWAVWriter(&failWriter{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]int16{1}); err == nil {
		t.Error("write error lost")
	}
	if err := w.Write([]int16{1}); err == nil {
		t.Error("sticky write error lost")
	}
	if err := w.Close(); err == nil {
		t.Error("header patch on a failing writer did not fail")
	}
}

func BenchmarkWAVReadPCM(b *testing.B) {
	var f memFile
	w, _ := NewWAVWriter(&f)
	_ = w.Write(benchPCM())
	_ = w.Close()
	buf := make([]int16, FrameSamples)
	b.SetBytes(int64(len(f.b)))
	for b.Loop() {
		r, _ := ReadWAV(bytes.NewReader(f.b))
		for {
			if _, err := r.Next(buf); err != nil {
				break
			}
		}
	}
}

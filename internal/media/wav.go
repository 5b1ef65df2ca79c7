package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// WAV format codes (the fmt chunk's wFormatTag).
const (
	wavPCM        = 1
	wavAlaw       = 6
	wavUlaw       = 7
	wavExtensible = 0xFFFE
	wavHeaderSize = 44
)

// WAVFormat describes the audio of a WAV file.
type WAVFormat struct {
	Encoding      string // "PCM", "PCMA" or "PCMU"
	Channels      int
	SampleRate    int
	BitsPerSample int
}

// WAVReader is a Source reading a WAV stream of 8 kHz mono audio, either
// 16-bit linear PCM or 8-bit G.711 (A-law or µ-law), decoded to linear PCM.
type WAVReader struct {
	r      io.Reader // the data chunk
	format WAVFormat
	dec    *Codec // nil for linear PCM
	raw    []byte
	eof    bool
}

// ReadWAV parses a WAV header from r and returns a reader positioned at
// the start of its audio. Other sample rates, stereo and other encodings are
// refused with an error naming what was found.
func ReadWAV(r io.Reader) (*WAVReader, error) {
	format, tag, size, err := readWAVHeader(r)
	if err != nil {
		return nil, err
	}
	return newWAVReader(r, format, tag, size)
}

// readWAVHeader parses a WAV header up to its data chunk and returns the
// format, its format tag and the data chunk's size; r is left at the start
// of the audio.
func readWAVHeader(r io.Reader) (format WAVFormat, tag uint16, size uint32, err error) {
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return format, 0, 0, fmt.Errorf("media: wav header: %w", err)
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return format, 0, 0, errors.New("media: not a RIFF/WAVE file")
	}
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return format, 0, 0, fmt.Errorf("media: wav: no data chunk: %w", err)
		}
		id, csize := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if csize < 16 || csize > 1024 {
				return format, 0, 0, fmt.Errorf("media: wav: fmt chunk of %d bytes", csize)
			}
			b := make([]byte, csize+csize&1)
			if _, err := io.ReadFull(r, b); err != nil {
				return format, 0, 0, fmt.Errorf("media: wav fmt chunk: %w", err)
			}
			tag = binary.LittleEndian.Uint16(b[0:2])
			if tag == wavExtensible && csize >= 26 {
				tag = binary.LittleEndian.Uint16(b[24:26]) // first bytes of the sub-format GUID
			}
			format.Channels = int(binary.LittleEndian.Uint16(b[2:4]))
			format.SampleRate = int(binary.LittleEndian.Uint32(b[4:8]))
			format.BitsPerSample = int(binary.LittleEndian.Uint16(b[14:16]))
			haveFmt = true
		case "data":
			if !haveFmt {
				return format, 0, 0, errors.New("media: wav: data chunk before fmt chunk")
			}
			return format, tag, csize, nil
		default:
			if _, err := io.CopyN(io.Discard, r, int64(csize)+int64(csize&1)); err != nil {
				return format, 0, 0, fmt.Errorf("media: wav: skipping chunk %q: %w", id, err)
			}
		}
	}
}

func newWAVReader(r io.Reader, f WAVFormat, tag uint16, size uint32) (*WAVReader, error) {
	w := &WAVReader{format: f}
	var err error
	switch {
	case tag == wavPCM && f.BitsPerSample == 16:
		w.format.Encoding = "PCM"
	case tag == wavAlaw && f.BitsPerSample == 8:
		w.format.Encoding = "PCMA"
		w.dec, err = NewCodec(Alaw)
	case tag == wavUlaw && f.BitsPerSample == 8:
		w.format.Encoding = "PCMU"
		w.dec, err = NewCodec(Ulaw)
	default:
		return nil, fmt.Errorf("media: wav: unsupported encoding (format %#x, %d bits)", tag, f.BitsPerSample)
	}
	if err != nil {
		return nil, err
	}
	if f.Channels != 1 || f.SampleRate != SampleRate {
		return nil, fmt.Errorf("media: wav: %d channel(s) at %d Hz, want mono at %d Hz", f.Channels, f.SampleRate, SampleRate)
	}
	// Streaming writers leave the size at 0 or 0xFFFFFFFF: read to the end.
	if size != 0 && size != math.MaxUint32 {
		r = io.LimitReader(r, int64(size))
	}
	w.r = r
	return w, nil
}

// Format returns the file's audio format.
func (w *WAVReader) Format() WAVFormat { return w.format }

// Next implements Source.
func (w *WAVReader) Next(buf []int16) (int, error) {
	if w.eof || len(buf) == 0 {
		if w.eof {
			return 0, io.EOF
		}
		return 0, nil
	}
	width := 1
	if w.dec == nil {
		width = 2
	}
	if cap(w.raw) < len(buf)*width {
		w.raw = make([]byte, len(buf)*width)
	}
	raw := w.raw[:len(buf)*width]
	got, err := io.ReadFull(w.r, raw)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		w.eof = true
	case err != nil:
		return 0, fmt.Errorf("media: wav read: %w", err)
	}
	n := got / width
	if w.dec != nil {
		w.dec.Decode(buf, raw[:n])
	} else {
		for i := range n {
			buf[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// LoadWAV reads a whole WAV file from fsys into memory.
func LoadWAV(fsys fs.FS, name string) (*Samples, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	defer f.Close()
	r, err := ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("media: %s: %w", name, err)
	}
	data, err := ReadAll(r, 0)
	if err != nil {
		return nil, fmt.Errorf("media: %s: %w", name, err)
	}
	return NewSamples(data), nil
}

// WAVWriter writes 8 kHz mono 16-bit PCM WAV (recordings). The header is
// written first with empty sizes and patched by Close, so the underlying
// writer must be able to seek.
type WAVWriter struct {
	w      io.WriteSeeker
	owned  io.Closer // closed by Close when the writer created the file
	data   uint32    // bytes of audio written
	buf    []byte
	closed bool
	err    error
}

// maxWAVData keeps the RIFF size (data + 36) inside 32 bits.
const maxWAVData = math.MaxUint32 - wavHeaderSize

// NewWAVWriter writes a WAV header to w and returns a writer for the
// samples. Close patches the header; it does not close w.
func NewWAVWriter(w io.WriteSeeker) (*WAVWriter, error) {
	ww := &WAVWriter{w: w}
	if _, err := w.Write(wavHeader(0)); err != nil {
		return nil, fmt.Errorf("media: wav header: %w", err)
	}
	return ww, nil
}

// CreateWAV creates (or truncates) the file name and returns a writer that
// closes it on Close.
func CreateWAV(name string) (*WAVWriter, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	w, err := NewWAVWriter(f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	w.owned = f
	return w, nil
}

func wavHeader(data uint32) []byte {
	h := make([]byte, 0, wavHeaderSize)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, 36+data)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, wavPCM)
	h = binary.LittleEndian.AppendUint16(h, 1)            // mono
	h = binary.LittleEndian.AppendUint32(h, SampleRate)   // sample rate
	h = binary.LittleEndian.AppendUint32(h, SampleRate*2) // byte rate
	h = binary.LittleEndian.AppendUint16(h, 2)            // block align
	h = binary.LittleEndian.AppendUint16(h, 16)           // bits per sample
	h = append(h, "data"...)
	return binary.LittleEndian.AppendUint32(h, data)
}

// Write appends samples to the recording.
func (w *WAVWriter) Write(samples []int16) error {
	if w.closed {
		return errors.New("media: wav writer closed")
	}
	if w.err != nil {
		return w.err
	}
	if uint64(w.data)+2*uint64(len(samples)) > maxWAVData {
		w.err = errors.New("media: wav recording reached the 4 GiB limit of the format")
		return w.err
	}
	w.buf = w.buf[:0]
	for _, s := range samples {
		w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(s))
	}
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = fmt.Errorf("media: wav write: %w", err)
		return w.err
	}
	w.data += uint32(2 * len(samples))
	return nil
}

// Samples returns how many samples have been written.
func (w *WAVWriter) Samples() int { return int(w.data / 2) }

// Close patches the header with the final sizes (and closes the file when
// the writer was made by CreateWAV). Closing twice is a no-op.
func (w *WAVWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.patch()
	if w.owned != nil {
		if cerr := w.owned.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("media: wav close: %w", cerr)
		}
	}
	return err
}

func (w *WAVWriter) patch() error {
	h := wavHeader(w.data)
	if _, err := w.w.Seek(4, io.SeekStart); err != nil {
		return fmt.Errorf("media: wav patch header: %w", err)
	}
	if _, err := w.w.Write(h[4:8]); err != nil {
		return fmt.Errorf("media: wav patch header: %w", err)
	}
	if _, err := w.w.Seek(40, io.SeekStart); err != nil {
		return fmt.Errorf("media: wav patch header: %w", err)
	}
	if _, err := w.w.Write(h[40:44]); err != nil {
		return fmt.Errorf("media: wav patch header: %w", err)
	}
	if _, err := w.w.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("media: wav patch header: %w", err)
	}
	return nil
}

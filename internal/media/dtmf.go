package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is one RFC 4733 telephone-event payload (section 2.3):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	|     event     |E|R| volume    |          duration             |
type Event struct {
	Code     uint8  // 0-9, 10 '*', 11 '#', 12-15 'A'-'D', 16 flash
	End      bool   // E bit: the event has ended
	Volume   uint8  // power level in -dBm0, 0..63
	Duration uint16 // in timestamp units (1/8000 s at 8 kHz) since the event began
}

// EventSize is the size of one telephone-event payload.
const EventSize = 4

// ParseEvent decodes a telephone-event payload. Extra bytes after the first
// event are ignored.
func ParseEvent(b []byte) (Event, error) {
	if len(b) < EventSize {
		return Event{}, fmt.Errorf("media: telephone-event payload of %d bytes, want %d", len(b), EventSize)
	}
	return Event{
		Code:     b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(b[2:4]),
	}, nil
}

// Append encodes e after b (the R bit is sent as 0; the volume is cut to 6 bits).
func (e Event) Append(b []byte) []byte {
	v := e.Volume & 0x3F
	if e.End {
		v |= 0x80
	}
	b = append(b, e.Code, v)
	return binary.BigEndian.AppendUint16(b, e.Duration)
}

// eventDigits maps event codes 0..15 to their DTMF characters.
const eventDigits = "0123456789*#ABCD"

// EventDigit returns the DTMF character of an event code (0..15).
func EventDigit(code uint8) (rune, bool) {
	if int(code) < len(eventDigits) {
		return rune(eventDigits[code]), true
	}
	return 0, false
}

// DigitEvent returns the event code of a DTMF character (0-9, *, #, A-D,
// lower case accepted).
func DigitEvent(r rune) (uint8, bool) {
	i := strings.IndexRune(eventDigits, r)
	if i < 0 && r >= 'a' && r <= 'd' {
		i = strings.IndexRune(eventDigits, r-'a'+'A')
	}
	if i < 0 {
		return 0, false
	}
	return uint8(i), true
}

// Digit is one DTMF key press, from RTP or from SIP INFO.
type Digit struct {
	Key      rune          // '0'-'9', '*', '#', 'A'-'D'
	Duration time.Duration // how long it was held, 0 when unknown
}

// EventDetector turns a stream of telephone-event packets into digits:
// one digit per event, reported once when the event ends, however many of
// the (redundant, usually three) end packets arrive. An event is
// identified by its RTP timestamp, which stays the same in all its packets.
// Not safe for concurrent use.
type EventDetector struct {
	active bool   // an event is in progress (not yet reported)
	ts     uint32 // its timestamp
	code   uint8
	dur    uint16
	last   bool   // a previous event exists
	lastTS uint32 // timestamp of the last reported event
	rate   int
}

// NewEventDetector returns a detector for events with the given RTP clock
// rate (8000 for telephone-event/8000).
func NewEventDetector(rate int) *EventDetector {
	if rate <= 0 {
		rate = SampleRate
	}
	return &EventDetector{rate: rate}
}

// Packet feeds one telephone-event RTP packet (its timestamp and payload).
// It returns the digits completed by this packet: usually none or one; two
// when a new event begins before the end packets of the previous one
// arrived (they were lost), the previous one then being reported first.
// Events other than 0..15 (flash, tones) are consumed without a digit.
func (d *EventDetector) Packet(ts uint32, payload []byte) ([]Digit, error) {
	e, err := ParseEvent(payload)
	if err != nil {
		return nil, err
	}
	var out []Digit
	if d.last && ts == d.lastTS && !(d.active && d.ts == ts) {
		return nil, nil // retransmitted end packet of a reported event
	}
	if d.active && d.ts != ts {
		// A new event while the previous never ended: its end packets were lost.
		out = d.report(out)
	}
	if !d.active {
		d.active, d.ts = true, ts
	}
	d.code = e.Code
	d.dur = max(d.dur, e.Duration)
	if e.End {
		out = d.report(out)
	}
	return out, nil
}

// Flush reports the event in progress, if any (call it when the stream
// stops without end packets, e.g. after a timeout).
func (d *EventDetector) Flush() []Digit { return d.report(nil) }

func (d *EventDetector) report(out []Digit) []Digit {
	if !d.active {
		return out
	}
	if key, ok := EventDigit(d.code); ok {
		out = append(out, Digit{Key: key, Duration: time.Duration(d.dur) * time.Second / time.Duration(d.rate)})
	}
	d.last, d.lastTS = true, d.ts
	d.active, d.dur = false, 0
	return out
}

// ParseSIPInfo parses the body of a SIP INFO request carrying a DTMF digit,
// as application/dtmf-relay ("Signal=1\r\nDuration=160", duration in ms)
// or application/dtmf (the key alone, or its event code).
func ParseSIPInfo(contentType string, body []byte) (Digit, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return Digit{}, fmt.Errorf("media: sip info content type %q: %w", contentType, err)
	}
	switch mt {
	case "application/dtmf-relay":
		return parseDTMFRelay(string(body))
	case "application/dtmf":
		key, err := parseKey(strings.TrimSpace(string(body)))
		if err != nil {
			return Digit{}, err
		}
		return Digit{Key: key}, nil
	}
	return Digit{}, fmt.Errorf("media: sip info content type %q carries no dtmf", mt)
}

func parseDTMFRelay(body string) (Digit, error) {
	var (
		d       Digit
		haveKey bool
	)
	for line := range strings.Lines(body) {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "signal":
			key, err := parseKey(v)
			if err != nil {
				return Digit{}, err
			}
			d.Key, haveKey = key, true
		case "duration":
			ms, err := strconv.Atoi(v)
			if err != nil || ms < 0 || ms > 60_000 {
				return Digit{}, fmt.Errorf("media: dtmf-relay duration %q invalid", v)
			}
			d.Duration = time.Duration(ms) * time.Millisecond
		}
	}
	if !haveKey {
		return Digit{}, errors.New("media: dtmf-relay body without Signal")
	}
	return d, nil
}

// parseKey accepts a DTMF character or an event code 0-15 written in
// decimal ("10" is '*', "11" is '#').
func parseKey(s string) (rune, error) {
	if len(s) == 1 {
		if code, ok := DigitEvent(rune(s[0])); ok {
			return rune(eventDigits[code]), nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(eventDigits) {
		return rune(eventDigits[n]), nil
	}
	return 0, fmt.Errorf("media: dtmf signal %q invalid", s)
}

// Digits is a stream of DTMF digits fed by any number of producers (the
// RTP event detector, SIP INFO handlers) and read by one consumer. It
// buffers up to its capacity and drops digits beyond it (a caller mashing
// keys must never block the media path).
type Digits struct {
	ch      chan Digit
	mu      sync.Mutex
	dropped int
}

// NewDigits returns a stream buffering up to capacity digits (at least 1).
func NewDigits(capacity int) *Digits {
	return &Digits{ch: make(chan Digit, max(capacity, 1))}
}

// Push adds a digit without blocking; it returns false if the buffer was
// full and the digit was dropped.
func (s *Digits) Push(d Digit) bool {
	select {
	case s.ch <- d:
		return true
	default:
		s.mu.Lock()
		s.dropped++
		s.mu.Unlock()
		return false
	}
}

// Dropped returns how many digits were dropped on a full buffer.
func (s *Digits) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Next waits for the next digit.
func (s *Digits) Next(ctx context.Context) (Digit, error) {
	if ctx.Err() != nil {
		return Digit{}, fmt.Errorf("media: waiting for a digit: %w", context.Cause(ctx))
	}
	select {
	case d := <-s.ch:
		return d, nil
	case <-ctx.Done():
		return Digit{}, fmt.Errorf("media: waiting for a digit: %w", context.Cause(ctx))
	}
}

// Collect reads digits until max are read, the terminator key is pressed
// (not included; 0 for none) or no digit comes within interDigit (the
// timeout also applies to the first digit). It returns what was read; the
// error is nil on max, terminator or timeout, and the context's error when
// ctx ends.
func (s *Digits) Collect(ctx context.Context, max int, terminator rune, interDigit time.Duration) (string, error) {
	var b strings.Builder
	for max <= 0 || b.Len() < max {
		wait, cancel := context.WithTimeout(ctx, interDigit)
		d, err := s.Next(wait)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return b.String(), fmt.Errorf("media: collecting digits: %w", context.Cause(ctx))
			}
			return b.String(), nil // inter-digit timeout
		}
		if terminator != 0 && d.Key == terminator {
			break
		}
		b.WriteRune(d.Key)
	}
	return b.String(), nil
}

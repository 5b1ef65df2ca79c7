package media

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestEventCodec(t *testing.T) {
	tests := []struct {
		wire []byte
		ev   Event
	}{
		{[]byte{0x01, 0x0A, 0x00, 0xA0}, Event{Code: 1, Volume: 10, Duration: 160}},
		{[]byte{0x0B, 0x8A, 0x03, 0x20}, Event{Code: 11, End: true, Volume: 10, Duration: 800}},
		{[]byte{0x00, 0xBF, 0xFF, 0xFF}, Event{Code: 0, End: true, Volume: 63, Duration: 65535}},
	}
	for _, tc := range tests {
		got, err := ParseEvent(tc.wire)
		if err != nil || got != tc.ev {
			t.Errorf("ParseEvent(% x) = %+v, %v; want %+v", tc.wire, got, err, tc.ev)
		}
		if b := tc.ev.Append(nil); !bytes.Equal(b, tc.wire) {
			t.Errorf("%+v.Append = % x, want % x", tc.ev, b, tc.wire)
		}
	}
	// The R bit is ignored on input.
	if e, _ := ParseEvent([]byte{5, 0x40 | 7, 0, 1}); e.Volume != 7 || e.End {
		t.Errorf("R bit leaked: %+v", e)
	}
	if _, err := ParseEvent([]byte{1, 2, 3}); err == nil {
		t.Error("short payload accepted")
	}
}

func TestDigitMapping(t *testing.T) {
	for code := range uint8(16) {
		key, ok := EventDigit(code)
		if !ok {
			t.Fatalf("code %d has no key", code)
		}
		if back, ok := DigitEvent(key); !ok || back != code {
			t.Errorf("DigitEvent(%q) = %d, want %d", key, back, code)
		}
	}
	if _, ok := EventDigit(16); ok {
		t.Error("flash has a key")
	}
	if c, ok := DigitEvent('b'); !ok || c != 13 {
		t.Errorf("DigitEvent('b') = %d %v", c, ok)
	}
	if _, ok := DigitEvent('x'); ok {
		t.Error("'x' is a digit")
	}
}

type evPacket struct {
	ts  uint32
	ev  Event
	bad bool // send a truncated payload
}

func TestEventDetector(t *testing.T) {
	press := func(ts uint32, code uint8, steps int, ends int) []evPacket {
		var p []evPacket
		for i := 1; i <= steps; i++ {
			p = append(p, evPacket{ts: ts, ev: Event{Code: code, Volume: 10, Duration: uint16(160 * i)}})
		}
		for range ends {
			p = append(p, evPacket{ts: ts, ev: Event{Code: code, End: true, Volume: 10, Duration: uint16(160 * (steps + 1))}})
		}
		return p
	}
	cat := func(ps ...[]evPacket) []evPacket {
		var out []evPacket
		for _, p := range ps {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name    string
		packets []evPacket
		want    string // keys reported, in order
		flushed string
		durMs   int // duration of the first digit
	}{
		{name: "one press with three end packets", packets: press(1000, 1, 5, 3), want: "1", durMs: 120},
		{name: "two presses", packets: cat(press(1000, 1, 3, 3), press(9000, 11, 3, 3)), want: "1#", durMs: 80},
		{name: "end packets lost, next press reports previous", packets: cat(press(1000, 5, 4, 0), press(9000, 6, 2, 1)), want: "56", durMs: 80},
		{name: "only end packets (start lost)", packets: press(1000, 10, 0, 3), want: "*", durMs: 20},
		{name: "no end at all, flushed", packets: press(1000, 9, 3, 0), want: "", flushed: "9", durMs: 60},
		{name: "flash is not a digit", packets: cat(press(1000, 16, 2, 3), press(5000, 3, 1, 3)), want: "3", durMs: 40},
		{name: "same key twice", packets: cat(press(1000, 2, 2, 3), press(3000, 2, 2, 3)), want: "22", durMs: 60},
		{name: "malformed packet in between", packets: cat(press(1000, 4, 2, 0), []evPacket{{ts: 1000, bad: true}}, press(1000, 4, 0, 3)), want: "4", durMs: 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewEventDetector(8000)
			var got []Digit
			for _, p := range tc.packets {
				payload := p.ev.Append(nil)
				if p.bad {
					payload = payload[:2]
				}
				ds, err := d.Packet(p.ts, payload)
				if (err != nil) != p.bad {
					t.Fatalf("Packet err = %v", err)
				}
				got = append(got, ds...)
			}
			if keys(got) != tc.want {
				t.Errorf("digits %q, want %q", keys(got), tc.want)
			}
			fl := d.Flush()
			if keys(fl) != tc.flushed {
				t.Errorf("flushed %q, want %q", keys(fl), tc.flushed)
			}
			all := append(got, fl...)
			if len(all) > 0 && all[0].Duration != time.Duration(tc.durMs)*time.Millisecond {
				t.Errorf("first duration %v, want %d ms", all[0].Duration, tc.durMs)
			}
			if len(d.Flush()) != 0 {
				t.Error("second Flush reported again")
			}
		})
	}
}

func keys(ds []Digit) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteRune(d.Key)
	}
	return b.String()
}

func TestParseSIPInfo(t *testing.T) {
	tests := []struct {
		ctype, body string
		key         rune
		dur         time.Duration
		wantErr     bool
	}{
		{"application/dtmf-relay", "Signal=1\r\nDuration=160\r\n", '1', 160 * time.Millisecond, false},
		{"application/dtmf-relay", "Signal= #\nDuration= 250", '#', 250 * time.Millisecond, false},
		{"Application/DTMF-Relay; charset=utf-8", "signal=10\r\nduration=100", '*', 100 * time.Millisecond, false},
		{"application/dtmf-relay", "Signal=11", '#', 0, false},
		{"application/dtmf-relay", "Signal=d\r\n", 'D', 0, false},
		{"application/dtmf", "5", '5', 0, false},
		{"application/dtmf", " 11\r\n", '#', 0, false},
		{"application/dtmf-relay", "Duration=160", 0, 0, true},
		{"application/dtmf-relay", "Signal=x", 0, 0, true},
		{"application/dtmf-relay", "Signal=16", 0, 0, true},
		{"application/dtmf-relay", "Signal=1\r\nDuration=-3", 0, 0, true},
		{"application/dtmf", "", 0, 0, true},
		{"text/plain", "Signal=1", 0, 0, true},
		{"", "Signal=1", 0, 0, true},
	}
	for _, tc := range tests {
		d, err := ParseSIPInfo(tc.ctype, []byte(tc.body))
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseSIPInfo(%q, %q) err = %v, want error %v", tc.ctype, tc.body, err, tc.wantErr)
			continue
		}
		if err == nil && (d.Key != tc.key || d.Duration != tc.dur) {
			t.Errorf("ParseSIPInfo(%q, %q) = %+v, want %q %v", tc.ctype, tc.body, d, tc.key, tc.dur)
		}
	}
}

func TestDigitsCollect(t *testing.T) {
	ctx := t.Context()
	s := NewDigits(4)
	for _, k := range "12#9" {
		if !s.Push(Digit{Key: k}) {
			t.Fatal("push refused")
		}
	}
	if s.Push(Digit{Key: '0'}) || s.Dropped() != 1 {
		t.Fatalf("fifth digit not dropped (dropped %d)", s.Dropped())
	}
	got, err := s.Collect(ctx, 10, '#', time.Second)
	if err != nil || got != "12" {
		t.Fatalf("Collect = %q, %v; want \"12\"", got, err)
	}
	got, err = s.Collect(ctx, 3, 0, 50*time.Millisecond) // "9" then inter-digit timeout
	if err != nil || got != "9" {
		t.Fatalf("Collect after terminator = %q, %v; want \"9\"", got, err)
	}
	s.Push(Digit{Key: '7'})
	s.Push(Digit{Key: '8'})
	if got, _ := s.Collect(ctx, 1, 0, time.Second); got != "7" {
		t.Fatalf("Collect(max 1) = %q", got)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Next(cctx); err == nil {
		t.Error("Next on a cancelled context did not fail")
	}
	if got, err := s.Collect(cctx, 5, 0, time.Second); err == nil {
		t.Errorf("Collect on a cancelled context = %q, nil", got)
	}
	// Concurrent producers.
	s = NewDigits(100)
	done := make(chan struct{})
	for range 4 {
		go func() {
			for range 10 {
				s.Push(Digit{Key: '1'})
			}
			done <- struct{}{}
		}()
	}
	for range 4 {
		<-done
	}
	if got, _ := s.Collect(ctx, 40, 0, time.Second); len(got) != 40 {
		t.Errorf("collected %d digits from 4 producers, want 40", len(got))
	}
}

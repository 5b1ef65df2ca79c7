package media

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"
	"time"
)

// TestLoopbackCall runs two RTP sessions against each other on loopback,
// negotiated through SDP: each sends 2 s of a tone in its own law, the
// other decodes it, records it to WAV and checks the frequency and the
// statistics; then DTMF goes over RFC 4733.
func TestLoopbackCall(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	caller, err := Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Close()
	plateau, err := Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer plateau.Close()

	// The caller offers PCMA, PCMU and telephone-event; Plateau answers.
	offer := fmt.Sprintf("v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n", caller.LocalAddr().Port())
	o, err := ParseOffer([]byte(offer))
	if err != nil {
		t.Fatal(err)
	}
	law, err := o.ChooseCodec()
	if err != nil || law != Alaw {
		t.Fatalf("codec %v, %v", law, err)
	}
	te, _ := o.TelephoneEvent()
	ans, err := BuildAnswer(o, Answer{Addr: plateau.LocalAddr(), Codec: law, TelephoneEvent: true, SessionID: 9})
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseOffer(ans)
	if err != nil {
		t.Fatal(err)
	}
	plateau.SetRemote(o.Addr)
	caller.SetRemote(a.Addr)
	for _, s := range []*Session{caller, plateau} {
		s.SetPayloadType(law.PayloadType())
		s.SetEventPayloadType(te.PT)
	}

	// A stranger sprays packets at Plateau's port once the call is up.
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()

	const frames = 100 // 2 s
	type result struct {
		pcm []int16
		err error
	}
	receive := func(s *Session, rec *WAVWriter) <-chan result {
		ch := make(chan result, 1)
		go func() {
			codec, _ := NewCodec(law)
			buf := make([]byte, 1500)
			frame := make([]int16, FrameSamples)
			var pcm []int16
			for n := 0; n < frames; n++ {
				p, err := s.ReadPacket(ctx, buf)
				if err != nil {
					ch <- result{pcm, err}
					return
				}
				k := codec.Decode(frame, p.Payload)
				pcm = append(pcm, frame[:k]...)
				if rec != nil {
					if err := rec.Write(frame[:k]); err != nil {
						ch <- result{pcm, err}
						return
					}
				}
			}
			ch <- result{pcm, nil}
		}()
		return ch
	}
	var recording memFile
	rec, err := NewWAVWriter(&recording)
	if err != nil {
		t.Fatal(err)
	}
	atPlateau := receive(plateau, rec)
	atCaller := receive(caller, nil)

	play := func(s *Session, freq float64) <-chan error {
		ch := make(chan error, 1)
		go func() {
			codec, _ := NewCodec(law)
			tone, err := NewTone(freq, 12000, frames*FrameTime)
			if err != nil {
				ch <- err
				return
			}
			ch <- s.Play(ctx, tone, codec)
		}()
		return ch
	}
	start := time.Now()
	callerDone := play(caller, 1000)
	plateauDone := play(plateau, 440)
	time.Sleep(500 * time.Millisecond)
	for i := range 3 {
		if _, err := stranger.WriteToUDPAddrPort(rtpBytes(t, uint16(i), 0, 0xBAD, 8), plateau.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range []<-chan error{callerDone, plateauDone} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 1900*time.Millisecond || el > 3*time.Second {
		t.Errorf("2 s of audio sent in %v", el)
	}
	heard := map[string]result{"plateau": <-atPlateau, "caller": <-atCaller}
	want := map[string]float64{"plateau": 1000, "caller": 440}
	for who, r := range heard {
		if r.err != nil {
			t.Fatalf("%s: %v", who, r.err)
		}
		if len(r.pcm) != frames*FrameSamples {
			t.Fatalf("%s heard %d samples", who, len(r.pcm))
		}
		dominant(t, r.pcm, want[who])
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if st := plateau.Stats(); st.PacketsReceived != frames || st.Lost != 0 || st.Expected != frames ||
		st.Foreign != 3 || st.Malformed != 0 || st.Jitter > 20*time.Millisecond || st.Remote != o.Addr {
		t.Errorf("plateau stats %+v", st)
	} else {
		t.Logf("plateau: %d packets, %d lost, jitter %v, %d foreign dropped", st.PacketsReceived, st.Lost, st.Jitter, st.Foreign)
	}
	if st := caller.Stats(); st.PacketsReceived != frames || st.Lost != 0 || st.Jitter > 20*time.Millisecond || st.PacketsSent != frames {
		t.Errorf("caller stats %+v", st)
	}

	// The recording holds what Plateau heard.
	r, err := ReadWAV(bytes.NewReader(recording.b))
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := ReadAll(r, 0)
	if err != nil || !equal16(recorded, heard["plateau"].pcm) {
		t.Errorf("recording: %d samples (%v)", len(recorded), err)
	}

	// DTMF: the caller presses 1 then #; Plateau sees each key once.
	digits := NewDigits(8)
	go func() {
		det := NewEventDetector(te.Rate)
		buf := make([]byte, 1500)
		for {
			p, err := plateau.ReadPacket(ctx, buf)
			if err != nil {
				return
			}
			if p.PayloadType != te.PT {
				continue
			}
			ds, _ := det.Packet(p.Timestamp, p.Payload)
			for _, d := range ds {
				digits.Push(d)
			}
		}
	}()
	for _, k := range "1#" {
		if err := caller.SendDigit(ctx, k, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	got, err := digits.Collect(ctx, 3, 0, time.Second)
	if err != nil || got != "1#" {
		t.Errorf("digits %q (%v), want \"1#\"", got, err)
	}
	if st := plateau.Stats(); st.Lost != 0 || st.OutOfSequence != 0 {
		t.Errorf("after DTMF: %+v", st)
	}
	if err := caller.SendDigit(ctx, 'x', time.Second); err == nil {
		t.Error("SendDigit('x') did not fail")
	}
}

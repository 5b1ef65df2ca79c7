package media

import (
	"testing"

	"github.com/pion/rtp"
)

func TestForwardKeepsPayloadAndSpacing(t *testing.T) {
	ctx := t.Context()
	s, peer := sendingSession(t, ctx)
	// First the session's own frame, then packets of another stream:
	// two audio frames and three packets of one telephone event.
	if err := s.WriteFrame(make([]byte, 160), 160, true); err != nil {
		t.Fatal(err)
	}
	in := []rtp.Packet{
		{Header: rtp.Header{PayloadType: 8, Marker: true, SequenceNumber: 9, Timestamp: 5000, SSRC: 42}, Payload: []byte{1, 2, 3}},
		{Header: rtp.Header{PayloadType: 8, SequenceNumber: 10, Timestamp: 5160, SSRC: 42}, Payload: []byte{4, 5, 6}},
		{Header: rtp.Header{PayloadType: 101, Marker: true, SequenceNumber: 11, Timestamp: 5320, SSRC: 42}, Payload: []byte{1, 10, 0, 160}},
		{Header: rtp.Header{PayloadType: 101, SequenceNumber: 12, Timestamp: 5320, SSRC: 42}, Payload: []byte{1, 10, 1, 64}},
		{Header: rtp.Header{PayloadType: 101, SequenceNumber: 13, Timestamp: 5320, SSRC: 42}, Payload: []byte{1, 138, 1, 224}},
	}
	for i := range in {
		if err := s.Forward(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Forward(nil); err == nil {
		t.Fatal("nil packet forwarded")
	}
	out := readRaw(t, peer, 1+len(in))
	own := out[0]
	for i, p := range out[1:] {
		want := in[i]
		if p.SSRC != s.SSRC() || p.PayloadType != want.PayloadType || p.Marker != want.Marker || string(p.Payload) != string(want.Payload) {
			t.Errorf("packet %d: %+v, want the payload of %+v under our SSRC", i, p.Header, want.Header)
		}
		if p.SequenceNumber != own.SequenceNumber+uint16(i)+1 {
			t.Errorf("packet %d: seq %d", i, p.SequenceNumber)
		}
		if got, wantTS := p.Timestamp-own.Timestamp, want.Timestamp-in[0].Timestamp+160; got != wantTS {
			t.Errorf("packet %d: timestamp +%d from our frame, want +%d", i, got, wantTS)
		}
	}
}

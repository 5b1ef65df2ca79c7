package media

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

const offerLinphone = "v=0\r\n" +
	"o=alice 2890844526 2890844526 IN IP4 198.51.100.7\r\n" +
	"s=Talk\r\n" +
	"c=IN IP4 198.51.100.7\r\n" +
	"t=0 0\r\n" +
	"m=audio 49170 RTP/AVP 8 0 101\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=fmtp:101 0-15\r\n" +
	"a=ptime:20\r\n" +
	"a=sendrecv\r\n"

func sdpLines(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestParseOffer(t *testing.T) {
	tests := []struct {
		name      string
		sdp       string
		addr      string
		formats   string // "PT:name/rate ..."
		ptime     int
		dir       Direction
		hold      bool
		codec     Law
		te        uint8 // 0: none
		wantError string
	}{
		{name: "linphone", sdp: offerLinphone, addr: "198.51.100.7:49170",
			formats: "8:PCMA/8000 0:PCMU/8000 101:telephone-event/8000", ptime: 20, codec: Alaw, te: 101},
		{name: "media-level c= overrides session, sendonly, static types without rtpmap",
			sdp: sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
				"m=audio 4000 RTP/AVP 0 8 96", "c=IN IP4 192.0.2.99", "a=rtpmap:96 telephone-event/16000", "a=sendonly"),
			addr: "192.0.2.99:4000", formats: "0:PCMU/8000 8:PCMA/8000 96:telephone-event/16000", dir: SendOnly, codec: Ulaw},
		{name: "session-level direction, IPv6, two telephone-events",
			sdp: sdpLines("v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::1", "t=0 0", "a=recvonly",
				"m=audio 5004 RTP/AVP 0 97 98", "a=rtpmap:97 telephone-event/48000", "a=rtpmap:98 telephone-event/8000"),
			addr: "[2001:db8::1]:5004", formats: "0:PCMU/8000 97:telephone-event/48000 98:telephone-event/8000", dir: RecvOnly, codec: Ulaw, te: 98},
		{name: "video first and rejected audio skipped, hold address",
			sdp: sdpLines("v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "c=IN IP4 0.0.0.0", "t=0 0",
				"m=video 5000 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=audio 0 RTP/AVP 0", "m=audio 6000 RTP/AVP 9 8", "a=inactive"),
			addr: "0.0.0.0:6000", formats: "8:PCMA/8000", hold: true, dir: Inactive, codec: Alaw},
		{name: "empty", sdp: "", wantError: "sdp"},
		{name: "garbage", sdp: "hello\r\nworld", wantError: "sdp"},
		{name: "no audio", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=video 5000 RTP/AVP 96"),
			wantError: "no active RTP/AVP audio"},
		{name: "SRTP only", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 5000 RTP/SAVP 0"),
			wantError: "no active RTP/AVP audio"},
		{name: "no connection", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 5000 RTP/AVP 0"),
			wantError: "no connection address"},
		{name: "hostname", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 a", "s=-", "c=IN IP4 pbx.example.com", "t=0 0", "m=audio 5000 RTP/AVP 0"),
			wantError: "not an IP address"},
		{name: "address type mismatch", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 a", "s=-", "c=IN IP6 192.0.2.1", "t=0 0", "m=audio 5000 RTP/AVP 0"),
			wantError: "does not match"},
		{name: "bad payload type", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 a", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 5000 RTP/AVP 0 x"),
			wantError: "payload type"},
		{name: "bad rtpmap", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 a", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 5000 RTP/AVP 0", "a=rtpmap:0 PCMU"),
			wantError: "rtpmap"},
		{name: "bad ptime", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 a", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 5000 RTP/AVP 0", "a=ptime:-5"),
			wantError: "ptime"},
		{name: "port out of range", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 a", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 70000 RTP/AVP 0"),
			wantError: "port"},
		{name: "only unknown dynamic", sdp: sdpLines("v=0", "o=- 1 1 IN IP4 a", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 5000 RTP/AVP 96"),
			wantError: "no known payload format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOffer([]byte(tc.sdp))
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Addr.String(); got != tc.addr {
				t.Errorf("addr %s, want %s", got, tc.addr)
			}
			var fs []string
			for _, f := range o.Formats {
				fs = append(fs, formatString(f))
			}
			if got := strings.Join(fs, " "); got != tc.formats {
				t.Errorf("formats %q, want %q", got, tc.formats)
			}
			if o.Ptime != tc.ptime || o.Direction != tc.dir || o.Hold != tc.hold {
				t.Errorf("ptime %d dir %v hold %v, want %d %v %v", o.Ptime, o.Direction, o.Hold, tc.ptime, tc.dir, tc.hold)
			}
			law, err := o.ChooseCodec()
			if err != nil || law != tc.codec {
				t.Errorf("codec %v (%v), want %v", law, err, tc.codec)
			}
			te, ok := o.TelephoneEvent()
			if (tc.te != 0) != ok || te.PT != tc.te {
				t.Errorf("telephone-event %v %v, want PT %d", te, ok, tc.te)
			}
		})
	}
}

func formatString(f Format) string { return fmt.Sprintf("%d:%s/%d", f.PT, f.Name, f.Rate) }

func TestChooseCodecPreferences(t *testing.T) {
	o, err := ParseOffer([]byte(offerLinphone))
	if err != nil {
		t.Fatal(err)
	}
	if law, err := o.ChooseCodec(Ulaw); err != nil || law != Ulaw {
		t.Errorf("ChooseCodec(Ulaw) = %v, %v", law, err)
	}
	g722 := sdpLines("v=0", "o=- 1 1 IN IP4 a", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 5000 RTP/AVP 9", "a=rtpmap:9 G722/8000")
	o, err = ParseOffer([]byte(g722))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.ChooseCodec(); err == nil || !strings.Contains(err.Error(), "no common codec") {
		t.Errorf("G.722-only offer: err = %v", err)
	}
}

func TestBuildAnswer(t *testing.T) {
	offer := sdpLines("v=0", "o=bob 7 7 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
		"m=video 5000 RTP/AVP 96", "a=rtpmap:96 VP8/90000",
		"m=audio 6000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly")
	o, err := ParseOffer([]byte(offer))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := BuildAnswer(o, Answer{
		Addr: netip.MustParseAddrPort("203.0.113.5:30000"), Codec: Ulaw, TelephoneEvent: true,
		SessionID: 42, SessionVersion: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := sdpLines("v=0", "o=- 42 1 IN IP4 203.0.113.5", "s=plateau", "c=IN IP4 203.0.113.5", "t=0 0",
		"m=video 0 RTP/AVP 96",
		"m=audio 30000 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-16", "a=ptime:20", "a=recvonly")
	if string(ans) != want {
		t.Errorf("answer:\n%s\nwant:\n%s", ans, want)
	}
	// The answer is itself a valid offer with the chosen codec.
	back, err := ParseOffer(ans)
	if err != nil {
		t.Fatal(err)
	}
	if back.Addr.String() != "203.0.113.5:30000" || back.Direction != RecvOnly || len(back.Formats) != 2 {
		t.Errorf("answer parsed back as %+v", back)
	}

	if _, err := BuildAnswer(o, Answer{Addr: netip.MustParseAddrPort("203.0.113.5:30000"), Codec: Law(7)}); err == nil {
		t.Error("answer with a codec not offered did not fail")
	}
	if _, err := BuildAnswer(o, Answer{Codec: Ulaw}); err == nil {
		t.Error("answer without address did not fail")
	}
	if _, err := BuildAnswer(&Offer{}, Answer{}); err == nil {
		t.Error("answer to an unparsed offer did not fail")
	}
}

func TestAnswerDirection(t *testing.T) {
	tests := []struct{ offered, want, got Direction }{
		{SendRecv, SendRecv, SendRecv},
		{SendOnly, SendRecv, RecvOnly},
		{RecvOnly, SendRecv, SendOnly},
		{Inactive, SendRecv, Inactive},
		{SendRecv, SendOnly, SendOnly},
		{SendOnly, SendOnly, Inactive},
		{SendRecv, Inactive, Inactive},
	}
	for _, tc := range tests {
		if got := answerDirection(tc.offered, tc.want); got != tc.got {
			t.Errorf("answerDirection(%v, %v) = %v, want %v", tc.offered, tc.want, got, tc.got)
		}
		if tc.want == SendRecv && tc.offered.Reverse() != tc.got {
			t.Errorf("%v.Reverse() = %v", tc.offered, tc.offered.Reverse())
		}
	}
}

func FuzzParseOffer(f *testing.F) {
	f.Add([]byte(offerLinphone))
	f.Add([]byte(sdpLines("v=0", "o=- 1 1 IN IP6 ::1", "s=-", "c=IN IP6 ::1", "t=0 0", "m=audio 5004 RTP/AVP 0 97", "a=rtpmap:97 telephone-event/8000", "a=fmtp:97 0-15")))
	f.Add([]byte("v=0\r\nm=audio 1 RTP/AVP 0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseOffer(b)
		if err != nil {
			return
		}
		if !o.Addr.IsValid() || o.Addr.Port() == 0 || len(o.Formats) == 0 {
			t.Fatalf("accepted offer without address or formats: %+v", o)
		}
		if law, err := o.ChooseCodec(); err == nil {
			if _, err := BuildAnswer(o, Answer{Addr: netip.MustParseAddrPort("127.0.0.1:4000"), Codec: law, TelephoneEvent: true}); err != nil {
				t.Fatalf("answer to an accepted offer failed: %v", err)
			}
		}
	})
}

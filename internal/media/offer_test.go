package media

import (
	"net/netip"
	"testing"
)

func TestBuildOfferRoundTrip(t *testing.T) {
	addr := netip.MustParseAddrPort("127.0.0.1:40000")
	b, err := BuildOffer(OfferSpec{Addr: addr, Laws: []Law{Alaw, Ulaw}, Event: 101, SessionID: 7})
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOffer(b)
	if err != nil {
		t.Fatalf("parse own offer: %v\n%s", err, b)
	}
	if o.Addr != addr || o.Direction != SendRecv {
		t.Fatalf("offer addr %v direction %v", o.Addr, o.Direction)
	}
	if law, err := o.ChooseCodec(); err != nil || law != Alaw {
		t.Fatalf("preferred codec %v %v, want PCMA", law, err)
	}
	te, ok := o.TelephoneEvent()
	if !ok || te.PT != 101 {
		t.Fatalf("telephone-event %+v %v", te, ok)
	}
	// The answer to it, parsed back, names the same stream.
	ans, err := BuildAnswer(o, Answer{Addr: netip.MustParseAddrPort("127.0.0.1:40002"), Codec: Ulaw, TelephoneEvent: true})
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseOffer(ans)
	if err != nil {
		t.Fatal(err)
	}
	if law, _ := a.ChooseCodec(); law != Ulaw || a.Addr.Port() != 40002 {
		t.Fatalf("answer %+v", a)
	}
}

func TestBuildOfferRefuses(t *testing.T) {
	addr := netip.MustParseAddrPort("127.0.0.1:40000")
	for name, spec := range map[string]OfferSpec{
		"no address":   {Laws: []Law{Ulaw}},
		"no codec":     {Addr: addr},
		"bad law":      {Addr: addr, Laws: []Law{9}},
		"static event": {Addr: addr, Laws: []Law{Ulaw}, Event: 13},
	} {
		if _, err := BuildOffer(spec); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

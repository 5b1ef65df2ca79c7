package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/softphone"
)

// desk is an agent desktop over the real agent WebSocket.
type desk struct {
	t       *testing.T
	ctx     context.Context
	conn    *websocket.Conn
	pending []map[string]any // frames read while waiting for others
}

func dialDesk(t *testing.T, ctx context.Context, srv *server) *desk {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, srv.ws("/agent/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	return &desk{t: t, ctx: ctx, conn: conn}
}

func (d *desk) send(v any) {
	d.t.Helper()
	b, _ := json.Marshal(v)
	if err := d.conn.Write(d.ctx, websocket.MessageText, b); err != nil {
		d.t.Fatal(err)
	}
}

// expect returns the first frame of type typ, read now or earlier while
// waiting for another (rtc_offer and the voice offer come in either
// order); an error frame fails.
func (d *desk) expect(typ string) map[string]any {
	d.t.Helper()
	for i, f := range d.pending {
		if f["type"] == typ {
			d.pending = append(d.pending[:i], d.pending[i+1:]...)
			return f
		}
	}
	for {
		_, b, err := d.conn.Read(d.ctx)
		if err != nil {
			d.t.Fatalf("desk: waiting for %s: %v", typ, err)
		}
		var f map[string]any
		json.Unmarshal(b, &f)
		if f["type"] == typ {
			return f
		}
		if f["type"] == "error" {
			d.t.Fatalf("desk: error while waiting for %s: %s", typ, b)
		}
		d.pending = append(d.pending, f)
	}
}

func num(f map[string]any, k string) int64 { n, _ := f[k].(float64); return int64(n) }

// TestSoftphoneCall: an agent answers calls in the browser. A Go SIP caller
// dials 1000; the agent's desktop (a Go pion/webrtc peer over the real
// agent WebSocket) enabled its softphone, so it gets the voice offer with
// an SDP offer in the caller's G.711 law only. Unanswered, the ring is a
// RONA (offer withdrawn, rtc_hangup, the call keeps its place); rung again,
// the desktop declines (the same). Rung a third time, the desktop answers:
// tones cross both ways through DTLS-SRTP, and the agent hangs up with
// "end" (the caller gets a BYE). A second call is
// answered and the caller hangs up: the desktop gets "ended" and
// rtc_hangup. A third call ends when the browser's connection goes (the
// caller gets a BYE). The interactions are stored with only connected and
// wrap-up billable.
func TestSoftphoneCall(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end")
	}
	data := t.TempDir()
	srv := startDemo(t, "--data", data)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", srv.logString())
		}
	})
	sipAddr := srv.waitLine(t, reSIP)[1]
	loginPass := srv.waitLine(t, reAgentSIP)[1]
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	d := dialDesk(t, ctx, srv)
	d.send(map[string]any{"type": "login", "login": "agent1", "password": loginPass})
	d.expect("logged_in")
	d.send(map[string]any{"type": "softphone", "enabled": true})
	if f := d.expect("softphone"); f["enabled"] != true {
		t.Fatalf("softphone frame %v", f)
	}

	caller, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: sipAddr, Username: "+33612345678"})
	if err != nil {
		t.Fatal(err)
	}
	call, err := caller.Dial(ctx, "1000")
	if err != nil {
		t.Fatalf("dial 1000: %v", err)
	}

	// 1. RONA: the desktop lets it ring past the queue's offer timeout.
	d.send(map[string]any{"type": "state", "state": "ready"})
	offer := d.expect("offer")
	id := num(offer, "contact_id")
	if offer["channel"] != "voice" {
		t.Fatalf("offer %v", offer)
	}
	rtc := d.expect("rtc_offer")
	sdp, _ := rtc["sdp"].(string)
	if num(rtc, "contact_id") != id || !strings.Contains(sdp, "a=fingerprint:") || !strings.Contains(sdp, "127.0.0.1") {
		t.Fatalf("rtc_offer %v", rtc)
	}
	law := call.Codec.Law()
	other := map[media.Law]string{media.Ulaw: "PCMA", media.Alaw: "PCMU"}[law]
	if strings.Contains(sdp, other) || strings.Contains(strings.ToLower(sdp), "opus") {
		t.Fatalf("the offer has another codec than the caller's %s:\n%s", law, sdp)
	}
	if w := d.expect("offer_withdrawn"); num(w, "contact_id") != id || w["reason"] != "rona" {
		t.Fatalf("withdrawn %v", w)
	}
	if h := d.expect("rtc_hangup"); num(h, "contact_id") != id {
		t.Fatalf("rtc_hangup %v", h)
	}
	select {
	case <-call.Ended():
		t.Fatal("the caller was hung up by the RONA")
	default:
	}

	// 2. Rung again, declined: the same as a phone's refusal.
	d.send(map[string]any{"type": "state", "state": "ready"})
	if o := d.expect("offer"); num(o, "contact_id") != id {
		t.Fatalf("offer %v", o)
	}
	if r := d.expect("rtc_offer"); num(r, "contact_id") != id {
		t.Fatalf("rtc_offer %v", r)
	}
	d.send(map[string]any{"type": "decline", "contact_id": id})
	if w := d.expect("offer_withdrawn"); num(w, "contact_id") != id || w["reason"] != "declined" {
		t.Fatalf("withdrawn %v", w)
	}
	if h := d.expect("rtc_hangup"); num(h, "contact_id") != id {
		t.Fatalf("rtc_hangup %v", h)
	}

	// 3. Rung again, answered; the agent hangs up.
	d.send(map[string]any{"type": "state", "state": "ready"})
	if o := d.expect("offer"); num(o, "contact_id") != id {
		t.Fatalf("offer %v", o)
	}
	browser := answer(t, ctx, d, id)
	d.expect("connected")
	tones(t, ctx, call, browser)
	if st := browser.State(); st != webrtc.PeerConnectionStateConnected {
		t.Fatalf("browser connection %s", st)
	}
	d.send(map[string]any{"type": "end", "contact_id": id})
	d.expect("ended")
	d.expect("rtc_hangup")
	select {
	case <-call.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the caller got no BYE")
	}
	d.send(map[string]any{"type": "wrap_up", "contact_id": id, "disposition": "done"})
	d.expect("wrap_up_done")

	// 4. Another call, answered; the caller hangs up.
	call2, err := caller.Dial(ctx, "1000")
	if err != nil {
		t.Fatalf("dial 1000 again: %v", err)
	}
	o := d.expect("offer")
	id2 := num(o, "contact_id")
	browser2 := answer(t, ctx, d, id2)
	d.expect("connected")
	tones(t, ctx, call2, browser2)
	if err := call2.Hangup(ctx); err != nil {
		t.Fatalf("caller bye: %v", err)
	}
	if e := d.expect("ended"); num(e, "contact_id") != id2 {
		t.Fatalf("ended %v", e)
	}
	if h := d.expect("rtc_hangup"); num(h, "contact_id") != id2 {
		t.Fatalf("rtc_hangup %v", h)
	}
	browser.Close()
	browser2.Close()
	d.send(map[string]any{"type": "wrap_up", "contact_id": id2, "disposition": "done"})
	d.expect("wrap_up_done")

	// 5. The browser's connection goes (a closed tab): the caller is hung up.
	call3, err := caller.Dial(ctx, "1000")
	if err != nil {
		t.Fatalf("dial 1000 a third time: %v", err)
	}
	id3 := num(d.expect("offer"), "contact_id")
	browser3 := answer(t, ctx, d, id3)
	d.expect("connected")
	tones(t, ctx, call3, browser3)
	browser3.Close()
	select {
	case <-call3.Ended():
	case <-time.After(30 * time.Second):
		t.Fatal("the caller got no BYE when the browser left")
	}
	if e := d.expect("ended"); num(e, "contact_id") != id3 {
		t.Fatalf("ended %v", e)
	}

	segs := voiceSegments(t, ctx, data, id, id2, id3)
	for _, cid := range []int64{id, id2, id3} {
		want := "queued offered connected"
		if cid == id {
			want = "queued offered queued offered queued offered connected" // the RONA and the decline put it back
		}
		if got := segs[cid]; !strings.HasPrefix(got, want) {
			t.Errorf("contact %d: segments %s, want %s...", cid, got, want)
		}
	}
}

// answer takes the rtc_offer of contact id with a Go browser, sends the SDP
// answer then "accept".
func answer(t *testing.T, ctx context.Context, d *desk, id int64) *softphone.Client {
	t.Helper()
	rtc := d.expect("rtc_offer")
	if num(rtc, "contact_id") != id {
		t.Fatalf("rtc_offer %v", rtc)
	}
	sdp, _ := rtc["sdp"].(string)
	browser, ans, err := softphone.NewClient(ctx, sdp)
	if err != nil {
		t.Fatal(err)
	}
	d.send(map[string]any{"type": "rtc_answer", "contact_id": id, "sdp": ans})
	d.send(map[string]any{"type": "accept", "contact_id": id})
	return browser
}

// tones sends 700 Hz from the caller and 1300 Hz from the browser and
// checks each hears the other's.
func tones(t *testing.T, ctx context.Context, call *sip.PhoneCall, browser *softphone.Client) {
	t.Helper()
	tctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(tctx, tone)
	}()
	go func() {
		tone, _ := media.NewTone(1300, 8000, 0)
		browser.Play(tctx, tone)
	}()
	before := len(call.Audio())
	waitFor(t, "audio both ways", 20*time.Second, func() bool {
		return len(browser.Audio()) > 8000 && len(call.Audio()) > before+8000
	})
	time.Sleep(300 * time.Millisecond)
	ba, ca := browser.Audio(), call.Audio()[before:]
	if p := power(ba[len(ba)-4000:], 700); p < 0.5 {
		t.Errorf("the browser hears the caller's 700 Hz at %.2f of the power", p)
	}
	if p := power(ca[len(ca)-4000:], 1300); p < 0.5 {
		t.Errorf("the caller hears the browser's 1300 Hz at %.2f of the power", p)
	}
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestUIChatCallbackCall: chat customers ask to be called back at a
// number and leave. The agent (Chromium) without softphone or SIP phone
// gets the number and a tel: link; with the softphone on, the next chat
// shows the number and a Call button (not a tel: link). Call rings the desk's softphone, which answers by itself, then
// Plateau dials the number through the callback gateway (a Go SIP phone
// playing the customer): the desk shows ringing then connected, audio
// flows both ways, the agent hangs up from the chat (the customer gets a
// BYE, the chat stays open). The talk is an outbound segment of the
// chat's contact, billable. A second call finds the line busy: the desk
// says so.
func TestUIChatCallbackCall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const number = "+33611223344"
	// The customer's phone, behind the callback gateway.
	phone, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: "127.0.0.1:9", Username: "gateway"})
	if err != nil {
		t.Fatal(err)
	}
	answered := make(chan *sip.PhoneCall, 2)
	phone.Answer(func(c *sip.PhoneCall) { answered <- c })
	conf := filepath.Join(t.TempDir(), "plateau.toml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("[sip]\ncallback_gateway = %q\ncallback_allow = [\"+33\"]\n", phone.Addr().String())), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newUIFixture(t, "--config", conf)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", f.s.logString())
		}
	})

	// Two chat customers ask for a callback and leave.
	askCallback := func(name, number string) int64 {
		t.Helper()
		cust := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), fmt.Sprintf(`{"type":"start","name":%q}`, name))
		q := cust.await(t, 10*time.Second, "queued")
		if err := cust.conn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"callback","phone":%q}`, number)); err != nil {
			t.Fatal(err)
		}
		cust.await(t, 10*time.Second, "callback")
		cust.conn.CloseNow()
		return q.ContactID
	}
	first := askCallback("Paul Durand", "+33622334455")
	contactID := askCallback("Jeanne Martin", number)

	root := browser(t, chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true), chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	ag := newPerson(t, root, "agent")
	if err := chromedp.Do(ag.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordPCs})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	accept := func(id int64) {
		t.Helper()
		ag.wait("the callback's offer", fmt.Sprintf(`!!document.querySelector("#offer-%d button")`, id))
		ag.do(fmt.Sprintf(`(() => { [...document.querySelectorAll("#offer-%d button")].find((b) => b.textContent.trim() === "Accept").click(); return "ok"; })()`, id))
		ag.wait("the chat", fmt.Sprintf(`!!document.querySelector("#panel-%d .call-back")`, id))
	}
	signInDesk(ag, f)
	ag.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	// Neither softphone nor SIP phone: the number and a tel: link only.
	accept(first)
	if got := ag.js(fmt.Sprintf(`(() => { const p = document.querySelector("#panel-%d"); return (p.querySelector("a.call-link")?.getAttribute("href") || "") + " " + !!p.querySelector("button.call-out"); })()`, first)); got != "tel:+33622334455 false" {
		t.Errorf("without a phone the chat offers %q, want the tel: link only", got)
	}
	ag.shot("desk-callback-tel")
	// The softphone on: the next chat's callback gets a Call button.
	ag.js(`document.querySelector("#softphone-toggle").click(), "ok"`)
	ag.wait("the softphone on", `document.querySelector("#softphone-toggle").textContent === "Turn off the softphone"`)
	accept(contactID)
	panel := fmt.Sprintf("#panel-%d", contactID)
	ag.wait("the Call button", fmt.Sprintf(`!!document.querySelector(%q)`, panel+" button.call-out"))
	if got := ag.js(fmt.Sprintf(`String(!!document.querySelector(%q))`, panel+" a.call-link")); got != "false" {
		t.Errorf("a tel: link beside the Call button")
	}
	if got := ag.js(fmt.Sprintf(`document.querySelector(%q).textContent`, panel+" .call-back")); !strings.Contains(got, number) {
		t.Errorf("the callback line %q has not the number", got)
	}
	ag.shot("desk-callback-call-button")

	// Call: the softphone answers by itself, then the customer's phone rings.
	ag.do(fmt.Sprintf(`(() => { document.querySelector(%q).click(); return "ok"; })()`, panel+" button.call-out"))
	var call *sip.PhoneCall
	select {
	case call = <-answered:
	case <-time.After(30 * time.Second):
		t.Fatal("the customer's phone was not called")
	}
	status := panel + " .call-status"
	ag.wait("connected", fmt.Sprintf(`document.querySelector(%q).textContent === "On the phone with %s." && !document.querySelector(%q).hidden`, status, number, panel+" .call-out-hangup"))
	ag.wait("the softphone in call", `!document.querySelector(".softphone-call").hidden && document.querySelector(".softphone-ring").hidden &&
		document.querySelector(".softphone-status").textContent === "In call with Jeanne Martin"`)
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(ctx, tone)
	}()
	before := len(call.Audio())
	ag.wait("the connection", `window.__pcs.length > 0 && window.__pcs.at(-1).connectionState === "connected"`)
	ag.wait("the customer's packets", `(async () => { let n = 0; (await window.__pcs.at(-1).getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "audio") n = s.packetsReceived; }); return n > 100; })()`)
	waitFor(t, "the agent's audio at the customer", 20*time.Second, func() bool { return len(call.Audio()) > before+16000 })
	ag.shot("desk-callback-connected")

	// The agent hangs up the call from the chat; the chat goes on.
	ag.do(fmt.Sprintf(`(() => { document.querySelector(%q).click(); return "ok"; })()`, panel+" .call-out-hangup"))
	select {
	case <-call.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the customer got no BYE")
	}
	ag.wait("ended", fmt.Sprintf(`document.querySelector(%q).textContent === "Call ended." && document.querySelector(%q).textContent === "Call again"`, status, panel+" button.call-out"))
	ag.wait("the softphone idle", `document.querySelector(".softphone-call").hidden && document.querySelector(".softphone-ring").hidden`)
	if got := ag.js(fmt.Sprintf(`String(!!document.querySelector(%q))`, "#tab-"+fmt.Sprint(contactID))); got != "true" {
		t.Errorf("the chat's tab is gone after the call")
	}

	// Busy this time: the desk says why.
	phone.Answer(nil)
	ag.do(fmt.Sprintf(`(() => { document.querySelector(%q).click(); return "ok"; })()`, panel+" button.call-out"))
	ag.wait("busy", fmt.Sprintf(`document.querySelector(%q).textContent === "The call did not go through: the line is busy."`, status))
	ag.shot("desk-callback-busy")

	// Stored: an outbound segment, billable, between connected ones.
	st, err := store.Open(ctx, filepath.Join(f.data, "plateau.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var kinds []string
	waitFor(t, "the outbound segment stored", 10*time.Second, func() bool {
		segs, err := st.ListSegments(ctx, f.tenant, contactID)
		if err != nil {
			t.Fatal(err)
		}
		kinds = kinds[:0]
		ok := false
		for _, s := range segs {
			kinds = append(kinds, fmt.Sprintf("%s:%v", s.Kind, s.Billable))
			if s.Kind == model.SegOutbound && s.Billable && s.EndedAt != nil && s.EndedAt.Sub(s.StartedAt) > time.Second {
				ok = true
			}
		}
		return ok && segs[len(segs)-1].Kind == model.SegConnected
	})
	t.Logf("segments: %s", strings.Join(kinds, " "))
}

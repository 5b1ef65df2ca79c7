package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/sip"
)

// recordPCs keeps the page's RTCPeerConnections in window.__pcs so the test
// can read their state and statistics (the desktop's code is unchanged).
const recordPCs = `(() => {
	const Orig = window.RTCPeerConnection;
	window.__pcs = [];
	window.RTCPeerConnection = function (...args) { const pc = new Orig(...args); window.__pcs.push(pc); return pc; };
	window.RTCPeerConnection.prototype = Orig.prototype;
})();`

// TestUISoftphone: in real Chromium with a fake microphone, the agent turns
// the desktop's softphone on, a Go SIP caller dials 1000, the desktop rings
// with Answer and Decline; declined, it stops ringing and rings again once
// the agent is ready; the agent answers: the PeerConnection is
// connected and receives the caller's packets (getStats), the caller
// receives the browser's; the agent's Hang up ends the call (the caller
// gets a BYE) and the panel goes back to idle.
func TestUISoftphone(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	sipAddr := f.s.waitLine(t, reSIP)[1]
	root := browser(t, chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true), chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ag := newPerson(t, root, "agent")
	if err := chromedp.Do(ag.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordPCs})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	ag.open(f.s.base + "/agent")
	ag.wait("the agent sign-in", `!!document.querySelector("#agent-login")`)
	ag.js(fmt.Sprintf(`(() => { document.querySelector("#agent-login").value = "agent1"; document.querySelector("#agent-password").value = %q;
		document.querySelector("#agent-password").form.requestSubmit(); return "ok"; })()`, f.password))
	ag.wait("the desk", `!!document.querySelector("#softphone-toggle")`)
	ag.wait("the softphone off", `document.querySelector("#softphone-toggle").textContent === "Turn on the softphone"`)
	ag.js(`document.querySelector("#softphone-toggle").click(), "ok"`)
	ag.wait("the softphone on", `document.querySelector("#softphone-toggle").textContent === "Turn off the softphone" && document.querySelector(".softphone-status").textContent.includes("ring here")`)
	ag.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	ag.wait("ready", `document.querySelector(".current-state .badge").textContent === "Ready"`)

	caller, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: sipAddr, Username: "+33611223344"})
	if err != nil {
		t.Fatal(err)
	}
	call, err := caller.Dial(ctx, "1000")
	if err != nil {
		t.Fatalf("dial 1000: %v", err)
	}
	ag.wait("the ring", `!document.querySelector(".softphone-ring").hidden && !document.querySelector("#softphone-answer").disabled && document.querySelector(".softphone-status").textContent.startsWith("Incoming call from")`)
	ag.shot("agent-softphone-ringing")
	// Declined: the ring stops and the agent is not ready; ready again, it
	// rings again.
	ag.js(`document.querySelector("#softphone-decline").click(), "ok"`)
	ag.wait("the ring stopped", `document.querySelector(".softphone-ring").hidden && document.querySelector(".softphone-status").textContent.includes("ring here")`)
	ag.wait("not ready", `document.querySelector(".current-state .badge").textContent.startsWith("Not ready")`)
	ag.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	ag.wait("the ring again", `!document.querySelector(".softphone-ring").hidden && !document.querySelector("#softphone-answer").disabled`)
	ag.js(`document.querySelector("#softphone-answer").click(), "ok"`)
	ag.wait("in call", `!document.querySelector(".softphone-call").hidden && document.querySelector(".softphone-status").textContent.startsWith("In call with")`)
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(ctx, tone)
	}()
	before := len(call.Audio())
	ag.wait("the connection", `window.__pcs.length > 0 && window.__pcs.at(-1).connectionState === "connected"`)
	ag.wait("the caller's packets", `(async () => { let n = 0; (await window.__pcs.at(-1).getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "audio") n = s.packetsReceived; }); return n > 100; })()`)
	codec := ag.js(`(async () => { let m = ""; (await window.__pcs.at(-1).getStats()).forEach((s) => { if (s.type === "codec") m += s.mimeType + " "; }); return m; })()`)
	want := map[media.Law]string{media.Ulaw: "audio/PCMU", media.Alaw: "audio/PCMA"}[call.Codec.Law()]
	if codec != want+" " && codec != want+" "+want+" " {
		t.Errorf("codecs in use %q, want %s only", codec, want)
	}
	waitFor(t, "the browser's audio at the caller", 20*time.Second, func() bool { return len(call.Audio()) > before+16000 })
	sent, _ := strconv.Atoi(ag.js(`(async () => { let n = 0; (await window.__pcs.at(-1).getStats()).forEach((s) => { if (s.type === "outbound-rtp" && s.kind === "audio") n = s.packetsSent; }); return String(n); })()`))
	if sent < 50 {
		t.Errorf("the browser sent %d packets", sent)
	}
	// The call's tab has no message box; its button hangs up.
	ag.wait("the call's panel", `(() => { const p = [...document.querySelectorAll(".chat-panel")].at(-1);
		return !!p && p.querySelector(".composer").hidden && p.querySelector(".buttons .danger").textContent === "Hang up" && !!p.querySelector(".call-line"); })()`)
	ag.shot("agent-softphone-in-call")
	// Mute is a toggle button.
	ag.js(`document.querySelector("#softphone-mute").click(), "ok"`)
	ag.wait("muted", `document.querySelector("#softphone-mute").getAttribute("aria-pressed") === "true"`)
	// Hold is a toggle button on the call's panel: the caller hears music.
	ag.js(`document.querySelector(".chat-panel .hold-toggle").click(), "ok"`)
	ag.wait("on hold", `document.querySelector(".chat-panel .hold-toggle").getAttribute("aria-pressed") === "true" && document.querySelector(".chat-panel .hold-toggle").textContent === "Resume"`)
	ag.shot("agent-softphone-on-hold")
	ag.js(`document.querySelector(".chat-panel .hold-toggle").click(), "ok"`)
	ag.wait("back from hold", `document.querySelector(".chat-panel .hold-toggle").getAttribute("aria-pressed") === "false" && document.querySelector(".chat-panel .hold-toggle").textContent === "Hold"`)
	ag.js(`document.querySelector(".chat-panel .mute-toggle").click(), "ok"`)
	ag.wait("muted at the server", `document.querySelector(".chat-panel .mute-toggle").getAttribute("aria-pressed") === "true" && document.querySelector(".chat-panel .mute-toggle").textContent === "Unmute"`)
	ag.js(`document.querySelector("#softphone-hangup").click(), "ok"`)
	select {
	case <-call.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the caller got no BYE")
	}
	ag.wait("the panel idle", `document.querySelector(".softphone-call").hidden && document.querySelector(".softphone-ring").hidden && window.__pcs.at(-1).connectionState === "closed"`)
}

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// notificationRecorder stands for the browser's notifications, which
// headless Chromium does not show: it grants the permission and records
// what the page notifies. The tab title, checked too, is the real one.
const notificationRecorder = `window.__notified = [];
window.Notification = class { constructor(title) { window.__notified.push(title); } static get permission() { return "granted"; } static requestPermission() { return Promise.resolve("granted"); } };`

// hideTab makes the page believe it is in a background tab (or in front
// again) and tells it, as the browser would.
func hideTab(p *person, hidden bool) {
	p.js(fmt.Sprintf(`(() => { Object.defineProperty(document, "hidden", { configurable: true, get: () => %t });
		document.dispatchEvent(new Event("visibilitychange")); return "ok"; })()`, hidden))
}

// TestUIDeskAlertsTimesAndLinks: an offer counts down; in a background
// tab a new offer and a customer's message flash the title and notify,
// which the agent can turn off; messages carry their time, and web
// addresses are safe links on both sides.
func TestUIDeskAlertsTimesAndLinks(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	ag := newPerson(t, root, "agent")
	if err := chromedp.Do(ag.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: notificationRecorder})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	ag.open(f.s.base + "/agent")
	ag.agentSignIn("agent1", f.password)
	ag.js(`(() => { document.querySelector(".alerts").open = true; const n = document.querySelector("#alert-notify"); n.click(); return "ok"; })()`)
	ag.wait("notifications on", `document.querySelector("#alert-notify").checked && document.querySelector("#alert-flash").checked && document.querySelector("#alert-sound").checked`)
	ag.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	ag.wait("ready", badgeJS+` === "Ready"`)
	hideTab(ag, true)

	cust := newPerson(t, root, "customer")
	cust.open(f.s.base + "/try/demo")
	cust.wait("the chat button", widget(`!!w.querySelector(".launcher")`))
	cust.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	cust.wait("the start form", widget(`!!w.querySelector("#plateau-name")`))
	cust.js(widget(`(() => { w.querySelector("#plateau-name").value = "Jeanne"; w.querySelector("form.start").requestSubmit(); return "ok"; })()`))

	ag.wait("the offer with its countdown", `/^Answer within 0:(1[0-9]|20)$/.test(document.querySelector(".offer .offer-timer")?.textContent || "")`)
	first := ag.js(`document.querySelector(".offer .offer-timer").textContent`)
	ag.wait("the countdown going down", fmt.Sprintf(`document.querySelector(".offer .offer-timer").textContent !== %q`, first))
	ag.wait("the title flashing and a notification", `document.title.startsWith("● New chat offer in Support from Jeanne") && window.__notified.length === 1`)
	ag.shot("agent-offer-countdown")
	hideTab(ag, false)
	ag.wait("the title back", `document.title === "Plateau — agent desktop"`)
	ag.js(clickText(".offer button", "Accept"))
	// The customer sees the agent's first name only.
	cust.wait("connected", widget(`w.querySelector(".status").textContent === "You are chatting with Camille."`))

	// Typing shows on the other side.
	cust.js(widget(`(() => { const m = w.querySelector("#plateau-msg"); m.value = "Bonj"; m.dispatchEvent(new Event("input")); return "ok"; })()`))
	ag.wait("the customer typing", `[...document.querySelectorAll(".chat-panel .typing")].some((p) => !p.hidden && p.textContent === "Jeanne is typing…")`)
	ag.js(`(() => { const m = document.querySelector(".composer textarea"); m.value = "Un"; m.dispatchEvent(new Event("input")); m.value = ""; return "ok"; })()`)
	cust.wait("the agent typing", widget(`!w.querySelector(".typing").hidden && w.querySelector(".typing").textContent === "Camille is typing…"`))
	cust.shot("widget-agent-typing")

	// A message with a link and a "javascript:" address, in the background.
	hideTab(ag, true)
	cust.js(widget(`(() => { w.querySelector("#plateau-msg").value = "Mon suivi : https://example.com/suivi?id=42. Et javascript:alert(1)"; w.querySelector("form.composer").requestSubmit(); return "ok"; })()`))
	ag.wait("the message, with its link", `(() => { const a = [...document.querySelectorAll(".chat-log .msg.from-customer a")]; return a.length === 1 && a[0].href === "https://example.com/suivi?id=42" && a[0].rel === "noopener noreferrer nofollow" && a[0].target === "_blank"; })()`)
	if got := ag.js(`document.querySelector(".chat-log .msg.from-customer .text").textContent`); !strings.Contains(got, "javascript:alert(1)") {
		t.Errorf("the message text: %q", got)
	}
	if n := ag.js(`String([...document.querySelectorAll("a")].filter((a) => a.href.startsWith("javascript:")).length)`); n != "0" {
		t.Errorf("%s javascript: links in the desk", n)
	}
	ag.wait("the time of the message", `/^[0-9]{2}:[0-9]{2}/.test(document.querySelector(".chat-log .msg.from-customer time")?.textContent || "") && !!document.querySelector(".chat-log .msg.from-customer time").dateTime`)
	ag.wait("the title flashing for the message", `document.title.startsWith("● New message from Jeanne") && window.__notified.length === 2`)
	ag.shot("agent-message-link")

	// Turned off: a message in the background changes nothing.
	hideTab(ag, false)
	ag.js(`document.querySelector("#alert-flash").click(), document.querySelector("#alert-notify").click(), "ok"`)
	hideTab(ag, true)
	cust.js(widget(`(() => { w.querySelector("#plateau-msg").value = "Encore moi"; w.querySelector("form.composer").requestSubmit(); return "ok"; })()`))
	ag.wait("the second message", `document.querySelector(".chat-log").textContent.includes("Encore moi")`)
	if title, n := ag.js(`document.title`), ag.js(`String(window.__notified.length)`); title != "Plateau — agent desktop" || n != "2" {
		t.Errorf("alerts turned off, yet title %q and %s notifications", title, n)
	}
	hideTab(ag, false)

	// A long paste on the desk is counted and refused, not cut.
	ag.js(fmt.Sprintf(`(() => { const m = %s; m.value = "y".repeat(4500); m.dispatchEvent(new Event("input")); m.form.requestSubmit(); return "ok"; })()`, `document.querySelector(".composer textarea")`))
	ag.wait("the desk's refusal", `document.querySelector(".composer .counter").textContent === "4500 / 4000 characters: too long to send" && document.querySelector(".chat-panel .form-error").textContent.startsWith("This message is too long") && document.querySelector(".composer textarea").value.length === 4500`)
	ag.shot("agent-message-too-long")
	ag.js(`document.querySelector(".composer textarea").value = "", "ok"`)

	// The widget: the agent's link, safe, and the times.
	compose := `document.querySelector(".composer textarea")`
	ag.js(fmt.Sprintf(`(() => { %s.value = "Voici la page : https://example.com/aide"; %s.form.requestSubmit(); return "ok"; })()`, compose, compose))
	cust.wait("the agent's link in the widget", widget(`(() => { const a = [...w.querySelectorAll(".msg.from-agent a")]; return a.length === 1 && a[0].href === "https://example.com/aide" && a[0].rel === "noopener noreferrer nofollow"; })()`))
	cust.wait("times in the widget", widget(`w.querySelectorAll(".msg time.msg-time").length === 3`))
	cust.shot("widget-times-links")

	// The conversation ends: the customer may keep its transcript.
	ag.js(clickText(".chat-panel button", "End the chat"))
	cust.wait("the survey with the transcript", widget(`!!w.querySelector("form.survey") && !!w.querySelector("a.transcript[download]")`))
	text := cust.js(widget(`decodeURIComponent(w.querySelector("a.transcript").href.replace(/^data:text\/plain;charset=utf-8,/, ""))`))
	for _, want := range []string{"Customer service", "You: Mon suivi : https://example.com/suivi?id=42.", "Camille: Voici la page : https://example.com/aide"} {
		if !strings.Contains(text, want) {
			t.Errorf("transcript lacks %q:\n%s", want, text)
		}
	}
	cust.shot("widget-survey-transcript")
}

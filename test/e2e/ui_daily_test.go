package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
)

// agentSignIn fills the agent desktop's sign-in form.
func (p *person) agentSignIn(login, password string) {
	p.t.Helper()
	p.wait("the agent sign-in", `!!document.querySelector("#agent-login")`)
	p.js(fmt.Sprintf(`(() => { document.querySelector("#agent-login").value = %q; document.querySelector("#agent-password").value = %q;
		document.querySelector("#agent-password").form.requestSubmit(); return "ok"; })()`, login, password))
	p.wait("the desk", `!!document.querySelector("#state-select")`)
}

// setQueue changes fields of one of the demo's queues through the API.
func (f *uiFixture) setQueue(t *testing.T, name string, change func(q map[string]any)) {
	t.Helper()
	var queues []map[string]any
	f.s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/queues", f.tenant), nil, &queues)
	for _, q := range queues {
		if q["name"] == name {
			change(q)
			f.s.call(t, http.MethodPut, fmt.Sprintf("/api/v1/tenants/%d/queues/%v", f.tenant, q["id"]), q, nil)
			return
		}
	}
	t.Fatalf("no queue %q", name)
}

const (
	badgeJS    = `document.querySelector(".current-state .badge").textContent`
	selectorJS = `document.querySelector("#state-select").value`
	noticeJS   = `(document.querySelector(".state-notice:not([hidden])")?.textContent || "")`
)

// TestUIAgentStateIsHonest: after sign-in, a reload, a missed offer
// (RONA), a decline and a second sign-in, the desk's badge and selector
// show the agent's real state; a missed offer says so with a one-click
// Ready; a reload within the session asks no password.
func TestUIAgentStateIsHonest(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	f.setQueue(t, "Support", func(q map[string]any) { q["offer_timeout_seconds"] = 4 })
	root := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ag := newPerson(t, root, "agent")
	ag.open(f.s.base + "/agent")
	ag.agentSignIn("agent1", f.password)
	ag.wait("not ready after sign-in", badgeJS+` === "Not ready" && `+selectorJS+` === "not_ready"`)
	// (The demo runs SIP without TLS: its start says nothing of TLS.)
	f.s.logMu.Lock()
	logs := f.s.logs.String()
	f.s.logMu.Unlock()
	if strings.Contains(logs, "invalid AddrPort") || strings.Contains(logs, "tls=") {
		t.Errorf("the start log speaks of a TLS listener that is not configured:\n%s", logs)
	}

	// A reload: the session signs the desk in again, no password; the
	// agent was made not ready by the dropped connection, and says so.
	ag.open(f.s.base + "/agent")
	ag.wait("the desk after a reload", `!!document.querySelector("#state-select") && !document.querySelector("#agent-login")`)
	ag.wait("not ready, disconnected", badgeJS+` === "Not ready · Connection lost" && `+selectorJS+` === "not_ready" && `+noticeJS+`.includes("you are now Not ready")`)
	ag.js(`document.querySelector("#ready-now").click(), "ok"`)
	ag.wait("ready in one click", badgeJS+` === "Ready" && `+selectorJS+` === "ready" && `+noticeJS+` === ""`)

	// A chat is accepted: busy, still ready for more.
	c1 := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start","name":"Alice"}`)
	q1 := c1.await(t, 10*time.Second, "queued")
	ag.wait("the first offer", fmt.Sprintf(`!!document.querySelector("#offer-%d")`, q1.ContactID))
	ag.js(clickText(fmt.Sprintf("#offer-%d button", q1.ContactID), "Accept"))
	ag.wait("busy", badgeJS+` === "Busy" && `+selectorJS+` === "ready"`)

	// A second chat is offered and missed: busy, then not ready.
	c2 := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start","name":"Bruno"}`)
	q2 := c2.await(t, 10*time.Second, "queued")
	ag.wait("the second offer", fmt.Sprintf(`!!document.querySelector("#offer-%d")`, q2.ContactID))
	ag.wait("the offer missed", fmt.Sprintf(`!document.querySelector("#offer-%d")`, q2.ContactID))
	ag.wait("busy, then not ready", badgeJS+` === "Busy · then Not ready (Offer missed)" && `+selectorJS+` === "not_ready" && `+noticeJS+`.includes("Offer missed: you are now Not ready.")`)
	ag.shot("agent-rona")
	ag.js(`document.querySelector("#ready-now").click(), "ok"`)
	ag.wait("the offer again, once ready", fmt.Sprintf(`!!document.querySelector("#offer-%d")`, q2.ContactID))

	// Declined: busy, then not ready, in words.
	ag.js(clickText(fmt.Sprintf("#offer-%d button", q2.ContactID), "Decline"))
	ag.wait("declined", badgeJS+` === "Busy · then Not ready (Offer declined)" && `+selectorJS+` === "not_ready"`)

	// In French too.
	ag.js(`document.querySelector("[data-lang-slot] .lang-switch").click(), "ok"`)
	ag.wait("in French", badgeJS+` === "Occupé · puis Indisponible (Sollicitation refusée)"`)
	ag.js(`document.querySelector("[data-lang-slot] .lang-switch").click(), "ok"`)

	// Signed out and in again: the chat is back, the selector says what
	// the agent is, so one Apply does not log it out.
	ag.js(`document.querySelector("#signout").click(), "ok"`)
	ag.wait("signed out", `!!document.querySelector("#agent-login")`)
	ag.open(f.s.base + "/agent")
	ag.wait("the password asked after signing out", `!!document.querySelector("#agent-login")`)
	ag.agentSignIn("agent1", f.password)
	ag.wait("busy after signing in again", fmt.Sprintf(`!!document.querySelector("#tab-%d")`, q1.ContactID)+` && `+badgeJS+` === "Busy · then Not ready" && `+selectorJS+` === "not_ready"`)
	ag.js(`document.querySelector(".state-form").requestSubmit(), "ok"`)
	time.Sleep(500 * time.Millisecond)
	ag.wait("still signed in after Apply", badgeJS+`.startsWith("Busy · then Not ready") && `+selectorJS+` === "not_ready" && !!document.querySelector("#state-select")`)
	ag.shot("agent-signed-in-again")
}

// agentSocket signs agent1 in on a plain agent socket and leaves it not
// ready, until the test ends (or the desk signs in and replaces it).
func agentSocket(ctx context.Context, t *testing.T, f *uiFixture) {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, f.s.ws("/agent/ws"), nil)
	if err != nil {
		t.Fatalf("dial the agent socket: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	b, _ := json.Marshal(map[string]string{"type": "login", "login": "agent1", "password": f.password})
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("agent socket sign-in: %v", err)
		}
		var fr struct{ Type string }
		if json.Unmarshal(msg, &fr) == nil && fr.Type == "agent_state" {
			break
		}
	}
	// Keep reading (frames are dropped) so the socket stays healthy.
	go func() {
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
		}
	}()
}

// TestUIWidgetLimitsAndNoAgent: the widget's limits are in the form; a
// name the server refuses brings back the start form with what was typed
// and why; a long message shows a counter and is refused, not cut; a
// national number is taken for a callback and stored in E.164; with
// nobody signed in no wait is promised; a closed queue says when it opens.
func TestUIWidgetLimitsAndNoAgent(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	cust := newPerson(t, root, "customer")
	cust.open(f.s.base + "/try/demo")
	cust.wait("the chat button", widget(`!!w.querySelector(".launcher")`))
	cust.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	cust.wait("the start form", widget(`!!w.querySelector("#plateau-name")`))
	if ml := cust.js(widget(`w.querySelector("#plateau-name").maxLength + "/" + w.querySelector("#plateau-email").maxLength`)); ml != "100/200" {
		t.Errorf("maxlength of name/email: %s", ml)
	}
	long := strings.Repeat("Jeanne-Marie ", 12)[:150]
	cust.js(widget(fmt.Sprintf(`(() => { w.querySelector("#plateau-name").value = %q; w.querySelector("#plateau-email").value = "jm@example.com";
		w.querySelector("form.start").requestSubmit(); return "ok"; })()`, long)))
	cust.wait("the start form again, with what was typed", widget(fmt.Sprintf(`!!w.querySelector("#plateau-name") && w.querySelector("#plateau-name").value === %q && w.querySelector("#plateau-email").value === "jm@example.com" && w.querySelector("#plateau-name-error").textContent === "Your name is too long: at most 100 characters." && w.querySelector("#plateau-name").getAttribute("aria-invalid") === "true"`, long)))
	cust.shot("widget-name-too-long")
	cust.js(widget(`(() => { w.querySelector("#plateau-name").value = "Jeanne-Marie"; w.querySelector("form.start").requestSubmit(); return "ok"; })()`))
	cust.wait("no adviser available", widget(`w.querySelector(".status").textContent === "No adviser is available at the moment. Leave your number below and we will call you back, or stay: your place is kept." && !w.querySelector("form.callback").hidden`))
	if txt := cust.js(widget(`w.querySelector(".panel").textContent`)); strings.Contains(txt, "in line") || strings.Contains(txt, "Expected wait") {
		t.Errorf("a wait is promised with nobody signed in: %q", txt)
	}

	// A 4,993-character message: counted, refused, not cut.
	cust.js(widget(`(() => { const m = w.querySelector("#plateau-msg"); m.value = "x".repeat(4993); m.dispatchEvent(new Event("input")); return "ok"; })()`))
	cust.wait("the counter", widget(`w.querySelector("#plateau-count").textContent === "4993 / 4000 characters: too long to send" && !w.querySelector("#plateau-count").hidden`))
	cust.js(widget(`w.querySelector("form.composer").requestSubmit(), "ok"`))
	cust.wait("the refusal", widget(`w.querySelector(".alert[role=alert]").textContent.startsWith("Your message is too long") && w.querySelector("#plateau-msg").value.length === 4993 && w.querySelectorAll(".msg.from-customer").length === 0`))
	cust.shot("widget-message-too-long")

	// A national number for the callback.
	cust.js(widget(`(() => { w.querySelector("#plateau-phone").value = "06 12 34 56 78"; w.querySelector("form.callback").requestSubmit(); return "ok"; })()`))
	cust.wait("the callback kept", widget(`w.querySelector(".status").textContent.startsWith("Your place is kept")`))
	var kept struct {
		Contact int64 `json:"contact"`
	}
	if err := json.Unmarshal([]byte(cust.js(`sessionStorage.getItem("plateau.chat.demo")`)), &kept); err != nil || kept.Contact == 0 {
		t.Fatalf("sessionStorage: %+v %v", kept, err)
	}
	if cb, _ := f.interaction(kept.Contact)["callback"].(map[string]any); cb == nil || cb["number"] != "+33612345678" {
		t.Errorf("stored callback %v, want +33612345678", cb)
	}

	// The sales chat, closed today, says when it opens.
	var sched struct {
		ID int64 `json:"id"`
	}
	var week []map[string]any
	for d := 0; d < 7; d++ {
		week = append(week, map[string]any{"day": d, "from": "08:00", "to": "18:00"})
	}
	today := time.Now().In(mustLocation(t, "Europe/Paris"))
	f.s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/schedules", f.tenant),
		map[string]any{"name": "closed today", "time_zone": "Europe/Paris", "weekly": week, "holidays": []string{today.Format(time.DateOnly)}}, &sched)
	f.setQueue(t, "Sales", func(q map[string]any) { q["schedule_id"] = sched.ID })
	late := newPerson(t, root, "late customer")
	late.open(f.s.base + "/try/demo-sales")
	late.wait("the chat button", widget(`!!w.querySelector(".launcher")`))
	late.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	late.wait("the start form", widget(`!!w.querySelector("#plateau-name")`))
	late.js(widget(`w.querySelector("form.start").requestSubmit(), "ok"`))
	late.wait("closed, opening tomorrow", widget(`w.querySelector(".status").textContent.startsWith("The chat is closed at the moment. It opens again on ") && /[0-9]:00/.test(w.querySelector(".status").textContent)`))
	late.shot("widget-closed")
}

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestUIWallboardQueueAgentsAndCallbacks: a queue's agents are those who
// can take its contacts; waiting callbacks are written so they cannot be
// read as more contacts; waiting contacts show the customer's name; the
// reasons the server sets are in words.
func TestUIWallboardQueueAgentsAndCallbacks(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	closeAgent := agentSocketCloser(ctx, t, f)
	sup := newPerson(t, root, "supervisor")
	sup.open(fmt.Sprintf("%s/wallboard?tenant=%d", f.s.base, f.tenant))
	sup.signIn("supervisor", f.password)
	sup.wait("the wallboard", `document.querySelectorAll("#queues tbody tr").length === 4`)
	// Sales needs the sales skill at level 3: Yanis Benali has none.
	sup.wait("the agents per queue", queueCell("Support", 9)+` === "Not ready 1 · Logged out 5" && `+queueCell("Sales", 9)+` === "Not ready 1 · Logged out 4"`)

	c1 := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start","name":"Jeanne Martin"}`)
	c1.await(t, 10*time.Second, "queued")
	c2 := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start"}`)
	c2.await(t, 10*time.Second, "queued")
	if err := c2.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"callback","phone":"06 12 34 56 78"}`)); err != nil {
		t.Fatal(err)
	}
	c2.await(t, 10*time.Second, "callback")
	sup.wait("two waiting, one a callback", queueCell("Support", 1)+` === "2, of which 1 callback"`)
	sup.wait("the names", `[...document.querySelectorAll("#contacts tbody tr")].map((r) => r.children[1].textContent).join("|") === "Jeanne Martin|(no name given)"`)
	sup.shot("wallboard-callbacks")
	sup.js(`document.querySelector("[data-lang-slot] .lang-switch").click(), "ok"`)
	sup.wait("in French", queueCell("Support", 1)+` === "2, dont 1 rappel"`)
	sup.js(`document.querySelector("[data-lang-slot] .lang-switch").click(), "ok"`)

	// The agent's desk drops: not ready, in words.
	closeAgent()
	sup.wait("the reason in words", `[...document.querySelectorAll("#agents tbody tr")].some((tr) => tr.textContent.includes("Camille Martin") && tr.textContent.includes("Not ready · Connection lost (offline)"))`)

	// A threshold on Support's longest wait: past it, the figure turns red.
	sup.js(`(() => { document.querySelector(".thresholds").open = true; const i = [...document.querySelectorAll("#thresholds tbody tr")].find((r) => r.cells[0].textContent === "Support").querySelector("input");
		i.value = "1"; i.dispatchEvent(new Event("change")); return "ok"; })()`)
	sup.wait("the longest wait past its threshold", `(() => { const r = [...document.querySelectorAll("#queues tbody tr")].find((tr) => tr.cells[0].textContent === "Support"); return r.cells[2].classList.contains("threshold-alert") && !r.cells[3].classList.contains("threshold-alert"); })()`)
	if other := sup.js(`String(document.querySelectorAll("#queues .threshold-alert").length)`); other != "1" {
		t.Errorf("%s figures past a threshold, want Support's longest wait only", other)
	}
	sup.shot("wallboard-thresholds")

	// TV mode: everything on one 1920×1080 screen, without scrolling.
	if err := chromedp.Do(sup.ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	sup.js(`document.querySelector("#tv-mode").click(), "ok"`)
	sup.wait("the TV mode", `document.body.classList.contains("tv") && document.querySelector("#tv-mode").getAttribute("aria-pressed") === "true"`)
	fits := `document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth && innerWidth === 1920 && innerHeight === 1080`
	sup.wait("no scrolling", fits+` && [...document.querySelectorAll("#app > section")].every((s) => s.getBoundingClientRect().bottom <= innerHeight)`)
	sup.shot("wallboard-tv")
	sup.js(`document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" })), "ok"`)
	sup.wait("TV mode left", `!document.body.classList.contains("tv") && document.querySelector("#tv-mode").textContent === "TV mode"`)
}

// agentSocketCloser is agentSocket, returning a function that closes it.
func agentSocketCloser(ctx context.Context, t *testing.T, f *uiFixture) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	agentSocket(ctx, t, f)
	return cancel
}

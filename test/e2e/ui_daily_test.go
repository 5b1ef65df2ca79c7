package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
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
	f := newUIFixture(t)
	f.setQueue(t, "Support", func(q map[string]any) { q["offer_timeout_seconds"] = 4 })
	root := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ag := newPerson(t, root, "agent")
	ag.open(f.s.base + "/agent")
	ag.agentSignIn("agent1", f.password)
	ag.wait("not ready after sign-in", badgeJS+` === "Not ready" && `+selectorJS+` === "not_ready"`)

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

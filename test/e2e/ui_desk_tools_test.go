package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// setPassword gives a demo user the fixture's password.
func (f *uiFixture) setPassword(t *testing.T, login string) {
	t.Helper()
	var users []struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	f.s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/users", f.tenant), nil, &users)
	for _, u := range users {
		if u.Login == login {
			f.s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users/%d/password", f.tenant, u.ID), map[string]string{"password": f.password}, nil)
			return
		}
	}
	t.Fatalf("no user %q", login)
}

// readyDesk opens the agent desk of login and makes it ready.
func readyDesk(t *testing.T, root context.Context, f *uiFixture, login string) *person {
	t.Helper()
	p := newPerson(t, root, login)
	p.open(f.s.base + "/agent")
	p.agentSignIn(login, f.password)
	p.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	p.wait("ready", badgeJS+` === "Ready"`)
	return p
}

// TestUIDeskTransferAndNotes: an agent writes an internal note, then
// transfers the chat by name to a colleague with a note for her; the
// customer is told and goes on with the colleague, who sees the notes and
// the conversation so far; the customer never sees a note. The colleague
// then finds the customer in her search and sees her figures of the day.
func TestUIDeskTransferAndNotes(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	f.setPassword(t, "agent3")
	root := browser(t)
	camille := readyDesk(t, root, f, "agent1")

	cust := newPerson(t, root, "customer")
	cust.open(f.s.base + "/try/demo")
	cust.wait("the chat button", widget(`!!w.querySelector(".launcher")`))
	cust.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	cust.wait("the start form", widget(`!!w.querySelector("#plateau-name")`))
	cust.js(widget(`(() => { w.querySelector("#plateau-name").value = "Jeanne Martin"; w.querySelector("form.start").requestSubmit(); return "ok"; })()`))
	camille.wait("the offer", `!!document.querySelector(".offer")`)
	camille.js(clickText(".offer button", "Accept"))
	cust.wait("connected", widget(`w.querySelector(".status").textContent === "You are chatting with Camille."`))
	cust.js(widget(`(() => { const m = w.querySelector("#plateau-msg"); m.value = "My parcel never came"; m.form.requestSubmit(); return "ok"; })()`))
	camille.wait("the message", `[...document.querySelectorAll(".chat-log .from-customer .text")].some((e) => e.textContent === "My parcel never came")`)

	// An internal note, from the keyboard's point of view a plain form.
	camille.js(`document.querySelector(".open-note").click(), "ok"`)
	camille.wait("the note form", `!document.querySelector(".note-form").hidden && document.activeElement === document.querySelector(".note-form textarea")`)
	camille.js(`(() => { const f = document.querySelector(".note-form"); f.querySelector("textarea").value = "Parcel 12 lost at the depot"; f.requestSubmit(); return "ok"; })()`)
	camille.wait("the note listed", `[...document.querySelectorAll(".notes-list .desk-note")].some((n) => n.textContent.includes("Parcel 12 lost at the depot") && n.textContent.startsWith("Note · Camille Martin"))`)

	// From the keyboard: Escape closes the form, the focus back on its button.
	camille.js(`document.querySelector(".open-note").click(), "ok"`)
	camille.js(`document.querySelector(".note-form textarea").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true })), "ok"`)
	camille.wait("the form closed by Escape", `document.querySelector(".note-form").hidden && document.activeElement === document.querySelector(".open-note") && document.querySelector(".open-note").getAttribute("aria-expanded") === "false"`)

	lea := readyDesk(t, root, f, "agent3")
	camille.js(`document.querySelector(".open-transfer").click(), "ok"`)
	camille.wait("the colleagues", `[...document.querySelectorAll(".transfer-form option")].some((o) => o.textContent === "Léa Dubois" && !o.disabled) && [...document.querySelectorAll(".transfer-form option")].some((o) => o.textContent.startsWith("Sales ("))`)
	camille.shot("desk-transfer-form")
	camille.js(`(() => { const f = document.querySelector(".transfer-form"); const s = f.querySelector("select");
		s.value = [...s.options].find((o) => o.textContent === "Léa Dubois").value; f.querySelector("textarea").value = "Refund promised, see the depot"; f.requestSubmit(); return "ok"; })()`)
	camille.wait("transferred", `[...document.querySelectorAll(".chat-log .note")].some((n) => n.textContent === "Transferred to Léa Dubois. The customer was told.") && !!document.querySelector(".wrapup-form")`)
	cust.wait("told of the transfer", widget(`[...w.querySelectorAll(".note")].some((n) => n.textContent.startsWith("You are being transferred to another advisor"))`))
	// Camille's wrap-up asks no disposition (the contact goes on).
	camille.js(`(() => { const f = document.querySelector(".wrapup-form"); f.querySelector("textarea").value = "Handed to Léa"; f.requestSubmit(); return "ok"; })()`)
	camille.wait("the tab closed", `!document.querySelector(".chat-panel")`)

	lea.wait("the offer", `!!document.querySelector(".offer")`)
	lea.js(clickText(".offer button", "Accept"))
	lea.wait("the conversation and the notes", `[...document.querySelectorAll(".chat-log .from-customer .text")].some((e) => e.textContent === "My parcel never came") &&
		[...document.querySelectorAll(".notes-list .desk-note")].map((n) => n.querySelector(".text").textContent).join("|") === "Parcel 12 lost at the depot|Refund promised, see the depot|Handed to Léa"`)
	cust.wait("with Léa", widget(`w.querySelector(".status").textContent === "You are chatting with Léa."`))
	lea.shot("desk-after-transfer")
	cust.shot("widget-after-transfer")
	for _, secret := range []string{"Parcel 12", "Refund promised", "Handed to"} {
		if seen := cust.js(widget(fmt.Sprintf(`String(w.textContent.includes(%q))`, secret))); seen != "false" {
			t.Errorf("the customer saw the note %q", secret)
		}
	}

	// Stored through the engine: one contact, its first arrival, Léa last.
	id := int64(0)
	fmt.Sscan(lea.js(`document.querySelector(".chat-panel").id.replace("panel-", "")`), &id)
	in := f.interaction(id)
	if in["answered_at"] == nil || in["queue_id"] == nil || in["arrived_at"] == nil {
		t.Fatalf("stored %v", in)
	}

	// Léa ends it; then she finds Jeanne by the start of her name and
	// sees her day.
	lea.js(clickText(".chat-panel .buttons button", "End the chat"))
	lea.wait("the wrap-up", `!!document.querySelector(".wrapup-form")`)
	lea.js(`(() => { const f = document.querySelector(".wrapup-form"); f.querySelector("select").value = "resolved"; f.requestSubmit(); return "ok"; })()`)
	lea.wait("the tab closed", `!document.querySelector(".chat-panel")`)
	lea.js(`(() => { document.querySelector("#lookup-query").value = "jean"; document.querySelector(".lookup").requestSubmit(); return "ok"; })()`)
	lea.wait("the search", `[...document.querySelectorAll(".lookup-item")].some((li) => li.textContent.includes("Jeanne Martin") && li.textContent.includes("Resolved"))`)
	lea.js(`document.querySelector("#my-refresh").click(), "ok"`)
	lea.wait("her figures", `document.querySelector("#my-handled").textContent === "1" && /^\d+:\d\d$/.test(document.querySelector("#my-aht").textContent) && document.querySelector("#my-occupancy").textContent.endsWith("%")`)
	lea.shot("desk-lookup-figures")
	lea.js(`document.querySelector("[data-lang-slot] .lang-switch").click(), "ok"`)
	lea.wait("in French", `document.querySelector("#lookup-title").textContent === "Trouver un client" && document.querySelector("#my-figures-title").textContent === "Ma journée" &&
		[...document.querySelectorAll(".lookup-item")].some((li) => li.textContent.includes("Résolu"))`)
	lea.shot("desk-lookup-figures-fr")
}

// TestUIWallboardAgentsAndWatch: the wallboard shows per agent the
// current contact and its duration, a consult request, then handled, AHT
// and occupancy; a supervisor watches the live chat (read only) and writes
// a private note that reaches the agent's desk; Close gives the focus back.
func TestUIWallboardAgentsAndWatch(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	camille := readyDesk(t, root, f, "agent1")
	cu := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start","name":"Jeanne Martin"}`)
	cu.await(t, 10*time.Second, "queued")
	camille.wait("the offer", `!!document.querySelector(".offer")`)
	camille.js(clickText(".offer button", "Accept"))
	cu.await(t, 10*time.Second, "connected")
	cu.say(ctx, t, "m1", "Where is my parcel?")
	camille.js(`(() => { document.querySelector(".open-note").click(); const f = document.querySelector(".note-form"); f.querySelector("textarea").value = "May I offer a voucher?";
		f.querySelector("input[type=checkbox]").checked = true; f.requestSubmit(); return "ok"; })()`)
	camille.wait("the consult listed", `[...document.querySelectorAll(".notes-list .desk-note.kind-consult")].length === 1`)

	sup := newPerson(t, root, "supervisor")
	sup.open(fmt.Sprintf("%s/wallboard?tenant=%d", f.s.base, f.tenant))
	sup.signIn("supervisor", f.password)
	row := `[...document.querySelectorAll("#agents tbody tr")].find((tr) => tr.cells[0].textContent === "Camille Martin")`
	sup.wait("Camille's current contact and consult", row+`?.cells[3].textContent.startsWith("Jeanne Martin · Chat 0:") && `+row+`.cells[3].textContent.includes("Asks: May I offer a voucher?")`)
	first := sup.js(row + `.cells[3].querySelector(".held .num").textContent`)
	sup.wait("the duration counting", row+fmt.Sprintf(`.cells[3].querySelector(".held .num").textContent !== %q`, first))

	// Watch: read only, then a private note to Camille.
	sup.js(row + `.querySelector(".watch-btn").focus(), ` + row + `.querySelector(".watch-btn").click(), "ok"`)
	sup.wait("the watch", `!document.querySelector(".watch").hidden && document.activeElement.id === "watch-title" && [...document.querySelectorAll(".watch-log .text")].some((e) => e.textContent === "Where is my parcel?")`)
	if n := sup.js(`String(document.querySelectorAll(".watch textarea, .watch input").length)`); n != "1" {
		t.Errorf("the watch has %s input fields, want the private note's only (read only)", n)
	}
	sup.js(`(() => { document.querySelector("#whisper-body").value = "Yes, up to 10 euros"; document.querySelector(".whisper-form").requestSubmit(); return "ok"; })()`)
	sup.wait("sent", `document.querySelector(".watch .ok-text").textContent === "Note sent to the agent."`)
	camille.wait("the supervisor's note", `[...document.querySelectorAll(".notes-list .desk-note.kind-supervisor")].some((n) => n.textContent.includes("Yes, up to 10 euros") && n.textContent.startsWith("Supervisor · Sophie Laurent"))`)
	sup.wait("both notes in the watch", `document.querySelectorAll(".watch .desk-note").length === 2`)
	sup.shot("wallboard-watch")
	sup.js(`document.querySelector(".watch-close").click(), "ok"`)
	sup.wait("closed, focus back", `document.querySelector(".watch").hidden && document.activeElement.classList.contains("watch-btn")`)
	// Nothing of it reached the customer.
	for drained := false; !drained; {
		select {
		case fr, ok := <-cu.frames:
			if !ok {
				drained = true
			} else if fr.Type == "note" || strings.Contains(fr.Body, "voucher") || strings.Contains(fr.Body, "10 euros") {
				t.Fatalf("the customer got a note: %+v", fr)
			}
		default:
			drained = true
		}
	}

	// Over: Camille's figures of the day.
	camille.js(clickText(".chat-panel .buttons button", "End the chat"))
	camille.wait("the wrap-up", `!!document.querySelector(".wrapup-form")`)
	camille.js(`(() => { const f = document.querySelector(".wrapup-form"); f.querySelector("select").value = "resolved"; f.requestSubmit(); return "ok"; })()`)
	sup.wait("handled, AHT, occupancy", row+`.cells[4].textContent === "1" && /^\d+:\d\d$/.test(`+row+`.cells[5].textContent) && `+row+`.cells[6].textContent.endsWith("%") && `+row+`.cells[3].textContent === "—"`)
	sup.shot("wallboard-agent-figures")

	// TV mode still fits 1920×1080 with the agents' figures.
	if err := chromedp.Do(sup.ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	sup.js(`document.querySelector("#tv-mode").click(), "ok"`)
	sup.wait("no scrolling", `document.body.classList.contains("tv") && document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth && [...document.querySelectorAll("#agents thead th")].every((th) => th.getBoundingClientRect().right <= innerWidth)`)
	sup.shot("wallboard-tv-agents")
}

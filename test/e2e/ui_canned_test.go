package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestUICannedResponses: an administrator writes a canned response in the
// admin pages; an agent finds it by its code in the composer, with the
// customer's name filled in, and sends it.
func TestUICannedResponses(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	adm := newPerson(t, root, "admin")
	adm.open(f.s.base + "/admin")
	adm.signIn("admin", f.password)
	adm.wait("the admin page", `!!document.querySelector(".admin-nav")`)
	if r := adm.js(clickText(".admin-nav button", "Canned responses")); r != "ok" {
		t.Fatalf("no canned responses section: %s", r)
	}
	adm.wait("the section", `document.querySelector("#section-title")?.textContent === "Canned responses"`)
	adm.js(clickText(".section-head button", "New"))
	adm.wait("the form", `!!document.querySelector("#f-body") && document.querySelector("#f-body").tagName === "TEXTAREA"`)
	// A code with spaces is refused next to its field.
	adm.js(`(() => { document.querySelector("#f-code").value = "Delivery delay"; document.querySelector("#f-body").value = "x"; document.querySelector(".admin-form").requestSubmit(); return "ok"; })()`)
	adm.wait("the code refused", `document.querySelector("#f-code-error").textContent !== "" && document.querySelector("#f-code").getAttribute("aria-invalid") === "true"`)
	adm.js(`(() => { document.querySelector("#f-code").value = "delivery"; document.querySelector("#f-title").value = "Delivery delay";
		document.querySelector("#f-body").value = "Bonjour {name}, votre colis arrive demain."; document.querySelector(".admin-form").requestSubmit(); return "ok"; })()`)
	adm.wait("listed", `[...document.querySelectorAll("table tbody tr")].some((tr) => tr.textContent.includes("delivery") && tr.textContent.includes("Delivery delay"))`)
	adm.shot("admin-canned")

	ag := newPerson(t, root, "agent")
	ag.open(f.s.base + "/agent")
	ag.agentSignIn("agent1", f.password)
	ag.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	cu := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start","name":"Jeanne"}`)
	q := cu.await(t, 10*time.Second, "queued")
	ag.wait("the offer", fmt.Sprintf(`!!document.querySelector("#offer-%d")`, q.ContactID))
	ag.js(clickText(fmt.Sprintf("#offer-%d button", q.ContactID), "Accept"))
	cu.await(t, 10*time.Second, "connected")
	box := fmt.Sprintf(`document.querySelector("#compose-%d")`, q.ContactID)
	ag.wait("the chat", box+` !== null`)
	ag.js(fmt.Sprintf(`(() => { const m = %s; m.value = "/del"; m.dispatchEvent(new Event("input")); return "ok"; })()`, box))
	ag.wait("the suggestion", fmt.Sprintf(`!document.querySelector("#canned-%d").hidden && document.querySelector("#canned-%d").textContent === "/delivery — Delivery delay"`, q.ContactID, q.ContactID))
	ag.shot("agent-canned")
	ag.js(fmt.Sprintf(`document.querySelector("#canned-%d button").click(), "ok"`, q.ContactID))
	ag.wait("the text filled in", box+`.value === "Bonjour Jeanne, votre colis arrive demain." && document.querySelector("#canned-`+fmt.Sprint(q.ContactID)+`").hidden`)
	ag.js(box + `.form.requestSubmit(), "ok"`)
	for {
		m := cu.await(t, 10*time.Second, "message")
		if m.From == "agent" {
			if m.Body != "Bonjour Jeanne, votre colis arrive demain." {
				t.Fatalf("the customer got %q", m.Body)
			}
			break
		}
	}
}

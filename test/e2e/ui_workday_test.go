package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The voice queue's keypad survey has its checkbox in the admin queue
// form: ticked in the French page, it is saved (the API says so) and shows
// ticked when the form opens again; its label is in both languages.
func TestUIAdminVoiceSurvey(t *testing.T) {
	f := newUIFixture(t)
	root := browser(t)
	p := newPerson(t, root, "admin")
	p.open(f.s.base + "/admin")
	p.signIn("admin", f.password)
	p.wait("the queues", `document.querySelectorAll("table tbody tr").length === 4`)
	const queue = "Support téléphone"
	openQueue := fmt.Sprintf(`(() => { const r = [...document.querySelectorAll("table tbody tr")].find((r) => r.cells[1].textContent === %q);
		if (!r) return "missing"; r.querySelector("button").click(); return "ok"; })()`, queue)
	p.do(openQueue)
	p.wait("the queue form", `!!document.querySelector("#f-voice_survey")`)
	if got := p.js(`document.querySelector("label[for=f-voice_survey]").textContent`); got != "Satisfaction survey by keypad after each call" {
		t.Errorf("the English label: %q", got)
	}
	if got := p.js(`String(document.querySelector("#f-voice_survey").checked)`); got != "false" {
		t.Fatalf("the demo's phone queue starts with the survey %s", got)
	}
	p.do(`(() => { document.querySelector(".lang-switch").click(); return "ok"; })()`)
	p.wait("the French label", `document.querySelector("label[for=f-voice_survey]")?.textContent === "Enquête de satisfaction au clavier après chaque appel"`)
	p.do(`(() => { document.querySelector("#f-voice_survey").checked = true; return "ok"; })()`)
	p.shot("admin-queue-voice-survey")
	p.do(submitForm)
	p.wait("the queue saved", `!document.querySelector(".admin-form")`)
	var queues []struct {
		Name        string `json:"name"`
		VoiceSurvey bool   `json:"voice_survey"`
	}
	f.s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/queues", f.tenant), nil, &queues)
	found := false
	for _, q := range queues {
		if q.Name == queue {
			found = true
			if !q.VoiceSurvey {
				t.Errorf("%s saved without its survey", queue)
			}
		}
	}
	if !found {
		t.Fatalf("no queue %q", queue)
	}
	p.open(f.s.base + "/admin")
	p.wait("the queues again", `document.querySelectorAll("table tbody tr").length === 4`)
	p.do(openQueue)
	p.wait("the survey shown ticked", `document.querySelector("#f-voice_survey")?.checked === true`)
	p.shot("admin-queue-voice-survey-saved")
}

// signInDesk signs agent1 in on the desk.
func signInDesk(p *person, f *uiFixture) {
	p.t.Helper()
	p.open(f.s.base + "/agent")
	p.wait("the agent sign-in", `!!document.querySelector("#agent-login")`)
	p.js(fmt.Sprintf(`(() => { document.querySelector("#agent-login").value = "agent1"; document.querySelector("#agent-password").value = %q;
		document.querySelector("#agent-password").form.requestSubmit(); return "ok"; })()`, f.password))
	p.wait("the desk", `!!document.querySelector("#state-select")`)
}

// chatWith opens the widget as a customer named name and waits until an
// agent (accepting on ag's desk) is connected; it returns what the widget
// says.
func chatWith(t *testing.T, cust, ag *person, f *uiFixture, name string) string {
	t.Helper()
	cust.open(f.s.base + "/try/demo")
	cust.wait("the chat button", widget(`!!w.querySelector(".launcher")`))
	cust.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	cust.wait("the start form", widget(`!!w.querySelector("#plateau-name") && !w.querySelector(".panel").hidden`))
	cust.js(widget(fmt.Sprintf(`(() => { w.querySelector("#plateau-name").value = %q; w.querySelector("form.start").requestSubmit(); return "ok"; })()`, name)))
	ag.wait("the offer of "+name, fmt.Sprintf(`[...document.querySelectorAll(".offer")].some((o) => o.textContent.includes(%q))`, name))
	ag.do(fmt.Sprintf(`(() => { const o = [...document.querySelectorAll(".offer")].find((o) => o.textContent.includes(%q));
		[...o.querySelectorAll("button")].find((b) => b.textContent.trim() === "Accept").click(); return "ok"; })()`, name))
	cust.wait("connected", widget(`w.querySelector(".status").textContent.startsWith("You are chatting with")`))
	return cust.js(widget(`w.querySelector(".status").textContent`))
}

// The agent's privacy: the widget shows the first name, or the pseudonym
// the agent chose on the desk (markup refused there in plain words), or
// the one an admin set in the user form (taken at once by the signed-in
// desk): never the surname.
func TestUIAgentPseudonym(t *testing.T) {
	f := newUIFixture(t)
	root := browser(t)
	ag := newPerson(t, root, "agent")
	signInDesk(ag, f)
	ag.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	ag.wait("ready", `document.querySelector(".current-state .badge").textContent === "Ready"`)

	// Before any pseudonym: the first name only.
	c1 := newPerson(t, root, "customer1")
	if got := chatWith(t, c1, ag, f, "Jeanne"); got != "You are chatting with Camille." {
		t.Errorf("before a pseudonym the widget says %q", got)
	}

	// The desk's setting.
	ag.do(`(() => { document.querySelector("details.pseudonym").open = true; return "ok"; })()`)
	ag.wait("the hint with the first name", `document.querySelector("#desk-pseudonym-hint").textContent.startsWith("Customers see: Camille.")`)
	ag.do(setField("desk-pseudonym", "Zoé <b>"))
	ag.do(`(() => { document.querySelector(".pseudonym-form").requestSubmit(); return "ok"; })()`)
	ag.wait("the markup refused", `document.querySelector("#desk-pseudonym-error").textContent.startsWith("Use 2 to 30 letters, digits")`)
	ag.shot("desk-pseudonym-error")
	ag.do(setField("desk-pseudonym", "Zoé"))
	ag.do(`(() => { document.querySelector(".pseudonym-form").requestSubmit(); return "ok"; })()`)
	ag.wait("the pseudonym saved", `document.querySelector(".pseudonym-form [role=status]").textContent === "Customers now see you as Zoé." && document.querySelector("#desk-pseudonym-error").textContent === ""`)
	ag.shot("desk-pseudonym")

	c2 := newPerson(t, root, "customer2")
	if got := chatWith(t, c2, ag, f, "Paul"); got != "You are chatting with Zoé." {
		t.Errorf("with the pseudonym the widget says %q", got)
	}
	c2.shot("widget-pseudonym")
	for _, c := range []*person{c1, c2} {
		if text := c.js(widget(`w.textContent`)); strings.Contains(text, "Martin") {
			t.Errorf("%s's widget shows the surname: %q", c.name, text)
		}
	}

	// The admin's user form: a pseudonym for agent1, taken by its open desk.
	ad := newPerson(t, root, "admin")
	ad.open(f.s.base + "/admin")
	ad.signIn("admin", f.password)
	ad.wait("the queues", `document.querySelectorAll("table tbody tr").length === 4`)
	ad.section("Users", "Users")
	ad.do(`(() => { const r = [...document.querySelectorAll("table tbody tr")].find((r) => r.cells[1].textContent === "agent1"); if (!r) return "missing"; r.querySelector("button").click(); return "ok"; })()`)
	ad.wait("the user form", `document.querySelector("#f-pseudonym")?.value === "Zoé"`)
	ad.do(setField("f-pseudonym", "<script>"))
	ad.do(submitForm)
	ad.wait("the markup refused", `document.querySelector("#f-pseudonym-error").textContent.startsWith("Use 2 to 30 letters")`)
	ad.do(setField("f-pseudonym", "Nour"))
	ad.do(submitForm)
	ad.wait("the user saved", `!document.querySelector(".admin-form #f-pseudonym")`)
	var users []struct {
		Login, Pseudonym string
	}
	f.s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/users", f.tenant), nil, &users)
	for _, u := range users {
		if u.Login == "agent1" && u.Pseudonym != "Nour" {
			t.Errorf("agent1's pseudonym %q", u.Pseudonym)
		}
	}
	c3 := newPerson(t, root, "customer3")
	if got := chatWith(t, c3, ag, f, "Inès"); got != "You are chatting with Nour." {
		t.Errorf("after the admin's change the widget says %q", got)
	}
	if !strings.Contains(ag.js(`document.querySelector("#who").textContent`), "Camille Martin") {
		t.Error("the desk no longer shows the agent's own name")
	}
}

// The wallboard's TV mode at 1920×1080 with 12 agents: no scrolling, and
// every agent is shown, a page at a time (the pages turn by themselves).
func TestUIWallboardTVManyAgents(t *testing.T) {
	f := newUIFixture(t)
	var sites []struct {
		ID int64 `json:"id"`
	}
	tp := fmt.Sprintf("/api/v1/tenants/%d", f.tenant)
	f.s.call(t, http.MethodGet, tp+"/sites", nil, &sites)
	if len(sites) == 0 {
		t.Fatal("no site")
	}
	for i := 7; i <= 12; i++ {
		f.s.call(t, http.MethodPost, tp+"/agents", map[string]any{"name": fmt.Sprintf("Agent Numéro %d", i), "site_id": sites[0].ID, "chat_capacity": 2, "skills": []any{}}, nil)
	}
	root := browser(t)
	sup := newPerson(t, root, "supervisor")
	if err := chromedp.Do(sup.ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	sup.open(fmt.Sprintf("%s/wallboard?tenant=%d&tv_page_seconds=2", f.s.base, f.tenant))
	sup.signIn("supervisor", f.password)
	sup.wait("12 agents", `document.querySelectorAll("#agents tbody tr").length === 12`)
	sup.do(`(() => { document.querySelector("#tv-mode").click(); return "ok"; })()`)
	fits := `document.body.classList.contains("tv") && document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth && innerWidth === 1920 && innerHeight === 1080`
	// Every row shown fits inside the agents' panel.
	inside := `(() => { const w = document.querySelector("#agents").parentElement.getBoundingClientRect();
		const shown = [...document.querySelectorAll("#agents tbody tr")].filter((r) => getComputedStyle(r).display !== "none");
		return shown.length > 0 && shown.every((r) => r.getBoundingClientRect().bottom <= w.bottom + 1) ? shown.map((r) => r.cells[0].textContent).join("|") : ""; })()`
	sup.wait("the TV layout", fits+` && `+inside+` !== "" && /^Agents \d+–\d+ of 12$/.test(document.querySelector(".tv-page").textContent)`)
	sup.shot("wallboard-tv-12-agents")
	seen := map[string]bool{}
	deadline := time.Now().Add(20 * time.Second)
	for len(seen) < 12 && time.Now().Before(deadline) {
		sup.wait("no scrolling", fits)
		for _, name := range strings.Split(sup.js(inside), "|") {
			if name != "" {
				seen[name] = true
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(seen) != 12 {
		t.Fatalf("TV mode showed %d agents of 12: %v (%q)", len(seen), seen, sup.js(`document.querySelector(".tv-page").textContent`))
	}
	sup.shot("wallboard-tv-12-agents-page")
}

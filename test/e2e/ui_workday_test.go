package e2e

import (
	"fmt"
	"net/http"
	"testing"
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

package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// setField sets an admin form control by id and says "ok".
func setField(id, value string) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return "missing"; e.value = %q; e.dispatchEvent(new Event("input", { bubbles: true })); return "ok"; })()`, "#"+id, value)
}

func (p *person) do(script string) {
	p.t.Helper()
	if r := p.js(script); r != "ok" {
		p.t.Fatalf("%s: %s: %s", p.name, script, r)
	}
}

func (p *person) section(label, title string) {
	p.t.Helper()
	p.do(clickText(".admin-nav button", label))
	p.wait("the "+label+" section", fmt.Sprintf(`document.querySelector("#section-title")?.textContent === %q`, title))
}

const submitForm = `(() => { document.querySelector("#announce").textContent = ""; document.querySelector(".admin-form").requestSubmit(); return "ok"; })()`

// submitOf submits the form of the element with this id, the page's
// announcement cleared first (a success says it again).
func submitOf(id string) string {
	return fmt.Sprintf(`(() => { document.querySelector("#announce").textContent = ""; document.querySelector(%q).form.requestSubmit(); return "ok"; })()`, "#"+id)
}

// The admin sections that were only in the API: users with a password and
// its reset, sites, the desk's lists, the queue's tiers, relaxation and
// recording, the widget's look, the tenant's language and API tokens, each
// checked against the API.
func TestUIAdminSections(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	p := newPerson(t, root, "admin")
	p.open(f.s.base + "/admin")
	p.signIn("admin", f.password)
	p.wait("the queues", `document.querySelectorAll("table tbody tr").length === 4`)
	tp := fmt.Sprintf("/api/v1/tenants/%d", f.tenant)

	// A user with a role and a password, then its password reset.
	p.section("Users", "Users")
	p.do(clickText(".section-head button", "New"))
	p.wait("the new user form", `!!document.querySelector("#f-password")`)
	p.do(setField("f-login", "nadia"))
	p.do(setField("f-display_name", "Nadia Supervisor"))
	p.do(setField("f-role", "supervisor"))
	p.do(setField("f-password", "short"))
	p.do(submitForm)
	p.wait("the password error", `document.querySelector("#f-password-error").textContent === "Use at least 8 characters."`)
	p.shot("admin-user-error")
	p.do(setField("f-password", "nadia-first-pass"))
	p.do(submitForm)
	p.wait("the created user", `[...document.querySelectorAll("table tbody td")].some((c) => c.textContent === "nadia")`)
	if got := p.js(`[...document.querySelectorAll("table tbody tr")].find((r) => r.cells[1].textContent === "nadia").cells[3].textContent`); got != "Supervisor" {
		t.Errorf("the role column shows %q", got)
	}
	if code := login(f.s, "nadia", "nadia-first-pass"); code != http.StatusOK {
		t.Fatalf("sign in with the password set on the page: %d", code)
	}
	p.do(`(() => { [...document.querySelectorAll("table tbody tr")].find((r) => r.cells[1].textContent === "nadia").querySelector("button").click(); return "ok"; })()`)
	p.wait("the reset form", `!!document.querySelector("#reset-password") && !document.querySelector("#f-password")`)
	p.do(setField("reset-password", "nadia-second-pass"))
	p.do(submitOf("reset-password"))
	p.wait("the password set", `document.querySelector("#reset-password").form.textContent.includes("The password of nadia is set")`)
	p.shot("admin-user-reset")
	if code := login(f.s, "nadia", "nadia-first-pass"); code != http.StatusUnauthorized {
		t.Errorf("the old password still signs in: %d", code)
	}
	if code := login(f.s, "nadia", "nadia-second-pass"); code != http.StatusOK {
		t.Errorf("the new password: %d", code)
	}
	// Disabled: out at once, and no sign-in.
	p.do(`(() => { document.querySelector("#f-disabled").checked = true; return "ok"; })()`)
	p.do(submitForm)
	p.wait("the user disabled", `[...document.querySelectorAll("table tbody tr")].find((r) => r.cells[1].textContent === "nadia")?.cells[5].textContent === "Yes"`)
	if code := login(f.s, "nadia", "nadia-second-pass"); code != http.StatusUnauthorized {
		t.Errorf("a disabled user signs in: %d", code)
	}

	// A site.
	p.section("Sites", "Sites")
	p.do(clickText(".section-head button", "New"))
	p.wait("the new site form", `!!document.querySelector("#f-country")`)
	p.do(setField("f-name", "Tunis"))
	p.do(setField("f-country", "tn"))
	p.do(setField("f-kind", "nearshore"))
	p.do(submitForm)
	p.wait("the country error", `document.querySelector("#f-country-error").textContent.startsWith("Write the country as two capital letters")`)
	p.do(setField("f-country", "TN"))
	p.do(setField("f-cost_per_hour", "18.555"))
	p.do(submitForm)
	p.wait("the cost error", `document.querySelector("#f-cost_per_hour-error").textContent === "At most 2 decimals (you entered 18.555)."`)
	p.shot("admin-site-cost-error")
	p.do(setField("f-cost_per_hour", "18.05"))
	p.do(submitForm)
	p.wait("the created site", `[...document.querySelectorAll("table tbody tr")].some((r) => r.textContent.includes("Tunis") && r.textContent.includes("18.05"))`)
	p.shot("admin-site-created")
	// The API gives back the decimal typed, exactly.
	var sites []map[string]json.RawMessage
	f.s.call(t, http.MethodGet, tp+"/sites", nil, &sites)
	tunis := false
	for _, s := range sites {
		if string(s["name"]) == `"Tunis"` {
			tunis = true
			if got := string(s["cost_per_hour"]); got != "18.05" {
				t.Errorf("Tunis: cost_per_hour %s, want 18.05", got)
			}
		}
	}
	if !tunis {
		t.Errorf("no Tunis in %d sites", len(sites))
	}

	// A disposition: the desk offers the tenant's list.
	p.section("Dispositions", "Dispositions")
	p.do(clickText(".section-head button", "New"))
	p.wait("the new disposition form", `!!document.querySelector("#f-label")`)
	p.do(setField("f-code", "sale"))
	p.do(setField("f-label", "Vente conclue"))
	p.do(submitForm)
	p.wait("the created disposition", `[...document.querySelectorAll("table tbody td")].some((c) => c.textContent === "Vente conclue")`)
	p.shot("admin-dispositions")
	var dispositions []struct{ Code, Label string }
	f.s.call(t, http.MethodGet, tp+"/dispositions", nil, &dispositions)
	if len(dispositions) != 1 || dispositions[0].Code != "sale" || dispositions[0].Label != "Vente conclue" {
		t.Errorf("dispositions %+v", dispositions)
	}

	// The queue's tiers, relaxation and recording.
	p.section("Queues", "Queues")
	p.do(`(() => { [...document.querySelectorAll("table tbody tr")].find((r) => r.cells[1].textContent === "Support").querySelector("button").click(); return "ok"; })()`)
	p.wait("the queue form", `!!document.querySelector("#f-tiers")`)
	skill := p.js(`document.querySelector("#f-skills").value.split(":")[0]`)
	p.do(setField("f-tiers", "premium 10\nfree 0"))
	p.do(setField("f-relax", "60: "+skill+":1\n120:"))
	p.do(`(() => { document.querySelector("#f-recording").checked = true; return "ok"; })()`)
	p.do(setField("f-recording_retention_days", "0"))
	p.do(submitForm)
	p.wait("the recording error", `document.querySelector("#f-recording_retention_days-error").textContent === "Say how many days recordings are kept: recording is on."`)
	p.shot("admin-queue-recording-error")
	p.do(setField("f-recording_retention_days", "90"))
	p.do(submitForm)
	p.wait("the queue saved", `!document.querySelector(".admin-form")`)
	var queues []struct {
		Name  string `json:"name"`
		Tiers []struct {
			Name     string `json:"name"`
			Priority int    `json:"priority"`
		} `json:"tiers"`
		Relax []struct {
			After  int               `json:"after_seconds"`
			Skills []json.RawMessage `json:"skills"`
		} `json:"relax"`
		Recording bool `json:"recording"`
		Days      int  `json:"recording_retention_days"`
	}
	f.s.call(t, http.MethodGet, tp+"/queues", nil, &queues)
	ok := false
	for _, q := range queues {
		if q.Name == "Support" {
			ok = len(q.Tiers) == 2 && q.Tiers[0].Name == "premium" && q.Tiers[0].Priority == 10 && len(q.Relax) == 2 &&
				q.Relax[0].After == 60 && len(q.Relax[0].Skills) == 1 && len(q.Relax[1].Skills) == 0 && q.Recording && q.Days == 90
			if !ok {
				t.Errorf("Support as stored: %+v", q)
			}
		}
	}
	if !ok {
		t.Errorf("no Support queue as typed")
	}

	// The widget: colours too close are refused next to the field, then
	// the brand's colours and greeting show in the widget.
	p.section("Chat widget", "Chat widget")
	p.wait("the widget form", `!!document.querySelector("#widget-colour")`)
	// The demo entry (a change of entry draws its form again: only then).
	p.do(`(() => { const sel = document.querySelector("#widget-entry"); if (sel.selectedOptions[0].textContent === "demo") return "ok";
		sel.value = [...sel.options].find((o) => o.textContent === "demo").value; sel.dispatchEvent(new Event("change")); return "ok"; })()`)
	p.wait("the demo entry's form", `document.querySelector("#widget-form-title")?.textContent === "demo"`)
	p.do(`(() => { document.querySelector("#widget-custom").checked = true; document.querySelector("#widget-custom").dispatchEvent(new Event("input")); return "ok"; })()`)
	p.do(setField("widget-colour", "#ffff00"))
	p.do(setField("widget-greeting", "Bonjour ! Une question sur votre commande ?"))
	p.do(submitOf("widget-colour"))
	p.wait("the contrast error", `document.querySelector("#widget-text-colour-error").textContent.startsWith("Choose colours further apart: the contrast is 1.1:1")`)
	p.do(setField("widget-colour", "#7a1f3d"))
	p.do(submitOf("widget-colour"))
	p.wait("the widget saved", `document.querySelector("#announce").textContent === "Saved." && document.querySelector("#widget-text-colour-error").textContent === ""`)
	p.shot("admin-widget")
	c := newPerson(t, root, "customer")
	c.open(f.s.base + "/try/demo")
	c.wait("the brand's colour", widget(`getComputedStyle(w.querySelector(".launcher")).backgroundColor === "rgb(122, 31, 61)"`))
	c.do(widget(`(w.querySelector(".launcher").click(), "ok")`))
	c.wait("the greeting", widget(`w.querySelector("form.start .greeting")?.textContent === "Bonjour ! Une question sur votre commande ?"`))
	c.shot("widget-brand")

	// The tenant's language.
	p.section("Language", "Language")
	p.do(setField("tenant-language", "en"))
	p.do(submitOf("tenant-language"))
	p.wait("the language saved", `document.querySelector("#announce").textContent === "Saved."`)
	var lang struct{ Language string }
	f.s.call(t, http.MethodGet, tp+"/language", nil, &lang)
	if lang.Language != "en" {
		t.Errorf("language %q", lang.Language)
	}

	// An API token, shown once, then revoked: it no longer works.
	p.section("API tokens", "API tokens")
	p.do(setField("token-name", "crm"))
	p.do(submitOf("token-name"))
	p.wait("the new token", `!!document.querySelector("#token-plaintext")`)
	p.shot("admin-token")
	tok := p.js(`document.querySelector("#token-plaintext").textContent`)
	if code := bearer(f.s, tok, "/api/v1/me"); code != http.StatusOK {
		t.Fatalf("the new token: %d", code)
	}
	p.js(`window.confirm = () => true, "ok"`)
	p.do(`(() => { [...document.querySelectorAll("table tbody tr")].find((r) => r.cells[1].textContent === "crm").querySelector("button.danger").click(); return "ok"; })()`)
	p.wait("the token revoked", `document.querySelector("#announce").textContent === "Revoked." && ![...document.querySelectorAll("table tbody td")].some((c) => c.textContent === "crm")`)
	if code := bearer(f.s, tok, "/api/v1/me"); code != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d", code)
	}
}

// The server's validation messages in the French page, in plain words,
// and a switch of language that keeps the open form and says its error
// again in the new language.
func TestUIAdminFrenchValidation(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	p := newPerson(t, root, "admin")
	p.open(f.s.base + "/admin")
	p.signIn("admin", f.password)
	p.wait("the queues", `document.querySelectorAll("table tbody tr").length === 4`)
	p.do(`(() => { document.querySelector(".lang-switch").click(); return "ok"; })()`)
	p.wait("the French page", `document.documentElement.lang === "fr" && document.querySelector("#section-title")?.textContent === "Files"`)
	p.do(clickText(".section-head button", "Nouveau"))
	p.wait("the new queue form", `!!document.querySelector("#f-overflow-action")`)
	p.do(setField("f-name", "Débordement"))
	p.do(setField("f-sl_target_pct", "150"))
	p.do(submitForm)
	p.wait("the service level error in French", `document.querySelector("#f-sl_target_pct-error").textContent === "Saisissez un pourcentage supérieur à 0 et d’au plus 100 (vous avez saisi 150)."`)
	p.shot("admin-fr-sl-error")
	p.do(setField("f-sl_target_pct", "80"))
	p.do(setField("f-overflow-action", "queue"))
	p.do(submitForm)
	p.wait("the overflow error in French", `document.querySelector("#f-overflow-queue_id-error").textContent === "Choisissez la file vers laquelle déborder."`)
	p.shot("admin-fr-overflow-error")
	// English now: the form stays open with what was typed, the error in English.
	p.do(`(() => { document.querySelector(".lang-switch").click(); return "ok"; })()`)
	p.wait("the English page", `document.documentElement.lang === "en" && document.querySelector("#section-title")?.textContent === "Queues"`)
	p.wait("the form kept", `document.querySelector("#f-name")?.value === "Débordement" && document.querySelector("#f-overflow-action").value === "queue"`)
	p.wait("the error in English", `document.querySelector("#f-overflow-queue_id-error").textContent === "Choose the queue to overflow to."`)
	p.shot("admin-en-overflow-error-kept")
	// And back to French: a client-side error is said again too.
	p.do(setField("f-tiers", "premium"))
	p.do(submitForm)
	p.wait("the tier error", `document.querySelector("#f-tiers-error").textContent.startsWith("Write a name then a priority")`)
	p.do(`(() => { document.querySelector(".lang-switch").click(); return "ok"; })()`)
	p.wait("the tier error in French", `document.querySelector("#f-tiers-error")?.textContent.startsWith("Écrivez un nom puis une priorité") && document.querySelector("#f-tiers").value === "premium"`)
	p.shot("admin-fr-tier-error-kept")
}

// The personal-data section: an erasure by e-mail or phone after a
// preview of what goes, the retention periods (recordings at most six
// months), and the audit log searched and exported.
func TestUIAdminGDPR(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	tp := fmt.Sprintf("/api/v1/tenants/%d", f.tenant)
	// A customer chats, writes, and leaves: an ended contact with an
	// e-mail address and a message.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const email = "ada.erase@example.com"
	cu := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start","name":"Ada Erase","email":"`+email+`"}`)
	cu.await(t, 10*time.Second, "queued")
	for _, frame := range []string{`{"type":"message","body":"Mon adresse est 3 rue des Lilas"}`, `{"type":"leave"}`} {
		if err := cu.conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatal(err)
		}
	}
	var id int64
	for range 100 {
		var page struct {
			Contacts []struct {
				ID    int64  `json:"id"`
				State string `json:"state"`
			} `json:"contacts"`
		}
		f.s.call(t, http.MethodGet, tp+"/interactions?customer="+email, nil, &page)
		if len(page.Contacts) == 1 && page.Contacts[0].State == "ended" {
			id = page.Contacts[0].ID
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if id == 0 {
		t.Fatal("the customer's chat did not end")
	}
	root := browser(t)
	p := newPerson(t, root, "admin")
	p.open(f.s.base + "/admin")
	p.signIn("admin", f.password)
	p.wait("the queues", `document.querySelectorAll("table tbody tr").length === 4`)
	p.section("Personal data", "Personal data")
	p.wait("the audit log", `!!document.querySelector("#audit-table")`)

	// Nothing to erase for an unknown number; nothing given at all.
	p.do(`(() => { document.querySelector("#erase-check").click(); return "ok"; })()`)
	p.wait("the key error", `document.querySelector("#erase-phone-error").textContent === "Give a phone number, an e-mail address or a customer id."`)
	p.do(setField("erase-phone", "+33 1 99 99 99 99"))
	p.do(`(() => { document.querySelector("#erase-check").click(); return "ok"; })()`)
	p.wait("nothing found", `document.querySelector("#erase-preview")?.textContent === "Nothing found for this customer."`)
	// The customer's number: the preview, then the erasure.
	p.do(setField("erase-phone", ""))
	p.do(setField("erase-email", "ADA.Erase@example.com"))
	p.wait("the old preview gone", `!document.querySelector("#erase-preview")`)
	p.do(`(() => { document.querySelector("#erase-check").click(); return "ok"; })()`)
	p.wait("the preview", `!!document.querySelector("#erase-confirm")`)
	if preview := p.js(`document.querySelector("#erase-preview p").textContent`); !strings.HasPrefix(preview, "Will be erased: contacts 1 ") || !strings.Contains(preview, "chat messages 1,") {
		t.Errorf("preview %q", preview)
	}
	p.shot("admin-gdpr-preview")
	if in := f.interaction(id); in["customer"].(map[string]any)["email"] != email {
		t.Fatalf("the preview erased already: %v", in["customer"])
	}
	p.do(`(() => { document.querySelector("#erase-confirm").click(); return "ok"; })()`)
	p.wait("the result", `document.querySelector("#erase-result")?.textContent.startsWith("Erased: ")`)
	p.shot("admin-gdpr-erased")
	cust := f.interaction(id)["customer"].(map[string]any)
	if cust["email"] != "" || cust["name"] != "" {
		t.Errorf("after the erasure the customer is %v", cust)
	}
	var msgs []struct {
		Body string `json:"body"`
	}
	f.s.call(t, http.MethodGet, fmt.Sprintf("%s/interactions/%d/messages", tp, id), nil, &msgs)
	for _, m := range msgs {
		if strings.Contains(m.Body, "Lilas") {
			t.Errorf("a message survived the erasure: %q", m.Body)
		}
	}

	// Retention: more than six months of recordings is refused, in words.
	p.do(setField("ret-recordings", "365"))
	p.do(setField("ret-transcripts", "90"))
	p.do(submitOf("ret-recordings"))
	p.wait("the CNIL limit", `document.querySelector("#ret-recordings-error").textContent === "Enter 1 to 183 days: the CNIL allows six months at most."`)
	p.shot("admin-gdpr-retention-error")
	p.do(setField("ret-recordings", "180"))
	p.do(submitOf("ret-recordings"))
	p.wait("the retention saved", `document.querySelector("#announce").textContent === "Saved." && document.querySelector("#ret-recordings-error").textContent === ""`)
	var ret struct {
		Transcript int `json:"transcript_days"`
		Recording  int `json:"recording_days"`
	}
	f.s.call(t, http.MethodGet, tp+"/retention", nil, &ret)
	if ret.Transcript != 90 || ret.Recording != 180 {
		t.Errorf("retention %+v", ret)
	}

	// The audit log: who erased, by person and action, then exported.
	p.do(setField("audit-actor", "admin"))
	p.do(setField("audit-action", "eraseCustomer"))
	p.do(submitOf("audit-actor"))
	p.wait("the erasure in the log", `document.querySelectorAll("#audit-table tbody tr").length === 1 && document.querySelector("#audit-table tbody tr").cells[3].textContent === "eraseCustomer"`)
	if row := p.js(`document.querySelector("#audit-table tbody tr").textContent`); strings.Contains(row, "ada") || !strings.Contains(row, "admin") {
		t.Errorf("audit row %q", row)
	}
	p.shot("admin-gdpr-audit")
	p.do(`(() => { document.querySelector("#audit-export").click(); return "ok"; })()`)
	p.wait("the export", `document.querySelector("#announce").textContent === "The audit log is exported."`)
	req, _ := http.NewRequest(http.MethodGet, f.s.base+tp+"/audit?format=csv&action=eraseCustomer", nil)
	req.Header.Set("Authorization", "Bearer "+f.s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][4] != "eraseCustomer" {
		t.Errorf("the CSV export: %v %v", rows, err)
	}
	// The French page says the same section in French.
	p.do(`(() => { document.querySelector(".lang-switch").click(); return "ok"; })()`)
	p.wait("the French section", `document.querySelector("#section-title")?.textContent === "Données personnelles" && document.querySelector("#erase-result")?.textContent.startsWith("Effacé : ")`)
	p.shot("admin-gdpr-fr")
}

// login tries a password sign-in and returns the status.
func login(s *server, login, password string) int {
	b, _ := json.Marshal(map[string]string{"login": login, "password": password})
	resp, err := http.Post(s.base+"/api/v1/login", "application/json", bytes.NewReader(b))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// bearer calls path with a token and returns the status.
func bearer(s *server, token, path string) int {
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// The desk offers the tenant's own not-ready reasons (set on the admin
// page) instead of the built-in ones, and shows their labels.
func TestUIDeskUsesTenantLists(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	tp := fmt.Sprintf("/api/v1/tenants/%d", f.tenant)
	f.s.call(t, http.MethodPost, tp+"/not-ready-reasons", map[string]any{"code": "coaching", "label": "Coaching individuel", "position": 1}, nil)
	f.s.call(t, http.MethodPost, tp+"/not-ready-reasons", map[string]any{"code": "lunch", "label": "Déjeuner", "position": 2}, nil)
	f.s.call(t, http.MethodPost, tp+"/dispositions", map[string]any{"code": "sale", "label": "Vente conclue"}, nil)
	root := browser(t)
	ag := newPerson(t, root, "agent")
	ag.open(f.s.base + "/agent")
	ag.wait("the agent sign-in", `!!document.querySelector("#agent-login")`)
	ag.do(fmt.Sprintf(`(() => { document.querySelector("#agent-login").value = "agent1"; document.querySelector("#agent-password").value = %q;
		document.querySelector("#agent-password").form.requestSubmit(); return "ok"; })()`, f.password))
	ag.wait("the tenant's reasons", `[...document.querySelectorAll("#reason-select option")].map((o) => o.textContent).join("|") === "Coaching individuel|Déjeuner"`)
	ag.do(`(() => { document.querySelector("#state-select").value = "not_ready"; document.querySelector("#state-select").dispatchEvent(new Event("change"));
		document.querySelector("#reason-select").value = "lunch"; document.querySelector(".state-form").requestSubmit(); return "ok"; })()`)
	ag.wait("the badge with the label", `document.querySelector(".badge")?.textContent.includes("Déjeuner")`)
	ag.shot("desk-tenant-reasons")
}

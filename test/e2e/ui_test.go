package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/coder/websocket"
)

// The web interface in real headless Chromium (Debian's chromium package,
// installed by scripts/test-deps.sh), driven with chromedp against a real
// `plateau demo` process. Each page's screenshot is saved under
// test-artifacts/ at the repository's root.

// chromiumPath finds the browser; without one the test skips, except under
// CI where it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("PLATEAU_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	missingTool(t, "chromium")
	return ""
}

// browser starts one headless Chromium for the test and returns a context
// whose children are tabs; extra adds command-line options.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	opts = append(opts, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	if err := chromedp.Do(root); err != nil {
		cancelRoot()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancelRoot(); cancelAlloc() })
	return root
}

// person is one person's browser: its own cookies and storage.
type person struct {
	t    *testing.T
	name string
	ctx  context.Context
}

func newPerson(t *testing.T, root context.Context, name string) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	return &person{t: t, name: name, ctx: ctx}
}

func (p *person) open(url string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		p.t.Fatalf("%s: open %s: %v", p.name, url, err)
	}
}

// js runs a script in the page and returns its value as a string.
func (p *person) js(script string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](script, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, script, err)
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// wait polls a JavaScript predicate until it is true; on failure it saves
// a screenshot and says what the page showed.
func (p *person) wait(what, predicate string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		p.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		body, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText + "\n" + (document.querySelector("#plateau-chat")?.shadowRoot?.querySelector(".panel")?.innerText || "")`))
		p.t.Fatalf("%s: waiting for %s (%s): %v\npage text:\n%s", p.name, what, predicate, err, body)
	}
}

// unlabelledJS lists the visible form controls (the widget's included)
// that have no accessible name: no label, aria-label or text.
const unlabelledJS = `(() => {
	const roots = [document];
	const w = document.querySelector("#plateau-chat")?.shadowRoot;
	if (w) roots.push(w);
	const bad = [];
	for (const r of roots) for (const el of r.querySelectorAll("input, select, textarea, button")) {
		if (el.type === "hidden" || el.closest("[hidden]")) continue;
		const lab = (el.id && r.querySelector('label[for="' + el.id + '"]')) || el.closest("label");
		const name = el.getAttribute("aria-label") || (lab && lab.textContent.trim()) || (el.tagName === "BUTTON" && el.textContent.trim());
		if (!name) bad.push(el.outerHTML.slice(0, 100));
	}
	return bad.join("\n");
})()`

// lowContrastJS lists the visible texts (the widget's included) whose
// contrast with the background behind them is under WCAG AA: 4.5:1, or
// 3:1 for large text (24 px, or 18.66 px bold). The background is the
// first opaque one among the element and its ancestors; disabled controls
// are exempt, as WCAG says.
const lowContrastJS = `(() => {
	const rgb = (s) => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const v = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 }; };
	const lum = (c) => { const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
	const bgOf = (el) => {
		for (let e = el; e; e = e.parentElement || e.getRootNode().host) {
			const c = rgb(getComputedStyle(e).backgroundColor);
			if (c && c.a >= 0.99) return c;
			if (getComputedStyle(e).backgroundImage !== "none") return null;
		}
		return { r: 255, g: 255, b: 255, a: 1 };
	};
	const roots = [document];
	const w = document.querySelector("#plateau-chat")?.shadowRoot;
	if (w) roots.push(w);
	const bad = [];
	for (const r of roots) for (const el of r.querySelectorAll("body *")) {
		if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
		if (el.closest("svg") || el.disabled || el.closest("[hidden]")) continue;
		const st = getComputedStyle(el);
		const box = el.getBoundingClientRect();
		if (st.visibility === "hidden" || st.display === "none" || box.width === 0 || box.height === 0 || Number(st.opacity) === 0) continue;
		const fg = rgb(st.color), bg = bgOf(el);
		if (!fg || !bg) continue;
		const a = fg.a;
		const mix = { r: fg.r * a + bg.r * (1 - a), g: fg.g * a + bg.g * (1 - a), b: fg.b * a + bg.b * (1 - a) };
		const [l1, l2] = [lum(mix), lum(bg)].sort((x, y) => y - x);
		const ratio = (l1 + 0.05) / (l2 + 0.05);
		const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
		const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
		if (ratio < need) bad.push(ratio.toFixed(2) + ":1 " + st.color + " on " + JSON.stringify(bg) + " " + el.outerHTML.slice(0, 90));
	}
	return bad.join("\n");
})()`

// shot saves a screenshot of the whole page under test-artifacts/ and checks
// that every control shown has an accessible name and every text shown a
// readable contrast.
func (p *person) shot(name string) {
	p.t.Helper()
	if bad, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](unlabelledJS)); err == nil && bad != "" {
		p.t.Errorf("%s: controls without a label on %s:\n%s", p.name, name, bad)
	}
	if bad, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](lowContrastJS)); err != nil {
		p.t.Errorf("%s: contrast check on %s: %v", p.name, name, err)
	} else if bad != "" {
		p.t.Errorf("%s: text under WCAG AA contrast on %s:\n%s", p.name, name, bad)
	}
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("%s: screenshot %s: %v", p.name, name, err)
		return
	}
	dir := filepath.Join("..", "..", "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// call calls the REST API with the admin token; out may be nil.
func (s *server) call(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, body)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// uiFixture is the demo with known passwords and a second tenant.
type uiFixture struct {
	s           *server
	tenant      int64
	other       int64
	agentLogin  string
	password    string
	interaction func(id int64) map[string]any
	data        string // the server's --data directory
}

const uiPassword = "correct-horse-42"

func newUIFixture(t *testing.T, args ...string) *uiFixture {
	t.Helper()
	data := t.TempDir()
	s := startDemo(t, append([]string{"--data", data}, args...)...)
	var tenants []struct {
		ID   int64  `json:"id"`
		Slug string `json:"slug"`
	}
	s.call(t, http.MethodGet, "/api/v1/tenants", nil, &tenants)
	f := &uiFixture{s: s, password: uiPassword, data: data}
	for _, x := range tenants {
		if x.Slug == "demo" {
			f.tenant = x.ID
		}
	}
	if f.tenant == 0 {
		t.Fatal("no demo tenant")
	}
	var users []struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/users", f.tenant), nil, &users)
	for _, u := range users {
		switch u.Login {
		case "agent1", "supervisor", "admin":
			s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users/%d/password", f.tenant, u.ID), map[string]string{"password": uiPassword}, nil)
		}
	}
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users", f.tenant),
		map[string]any{"login": "viewer", "display_name": "Client Viewer", "role": "client_viewer", "password": uiPassword}, nil)
	var other struct {
		ID int64 `json:"id"`
	}
	s.call(t, http.MethodPost, "/api/v1/tenants", map[string]string{"slug": "other", "name": "Other Brand"}, &other)
	f.other = other.ID
	f.interaction = func(id int64) map[string]any {
		var in map[string]any
		s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d", f.tenant, id), nil, &in)
		return in
	}
	return f
}

// signIn fills the REST sign-in form of the wallboard or admin page.
func (p *person) signIn(login, password string) {
	p.t.Helper()
	p.wait("the sign-in form", `!!document.querySelector("#signin-login")`)
	p.js(fmt.Sprintf(`(() => { document.querySelector("#signin-login").value = %q; document.querySelector("#signin-password").value = %q;
		document.querySelector("#signin-password").form.requestSubmit(); return "ok"; })()`, login, password))
}

// widget evaluates an expression with w bound to the widget's shadow root.
func widget(expr string) string {
	return `(() => { const w = document.querySelector("#plateau-chat")?.shadowRoot; if (!w) return false; return (` + expr + `); })()`
}

// clickText clicks the first element matching sel whose text is text.
func clickText(sel, text string) string {
	return fmt.Sprintf(`(() => { const b = [...document.querySelectorAll(%q)].find((e) => e.textContent.trim() === %q); if (!b) return "missing"; b.click(); return "ok"; })()`, sel, text)
}

func TestUIHomeAndAdmin(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	p := newPerson(t, root, "admin")

	p.open(f.s.base + "/")
	p.wait("the home page", `document.querySelectorAll(".home-links a").length === 10`)
	if got := p.js(`[...document.querySelectorAll(".home-links a")].map((a) => a.getAttribute("href")).join(" ")`); got != "/try/demo /agent /wallboard /reports /admin /barometer /palmares /commitments /invoices /api/v1/openapi.json" {
		t.Errorf("home links: %s", got)
	}
	if h := p.js(`document.querySelector("h1").textContent`); h != "Plateau" {
		t.Errorf("home heading %q", h)
	}
	p.shot("home")
	// The language switch: French, remembered, and back.
	p.js(`document.querySelector(".lang-switch").click(), "ok"`)
	p.wait("the French home page", `document.documentElement.lang === "fr" && document.querySelector(".home-links h2").textContent === "Chat client"`)
	p.shot("home-fr")
	p.open(f.s.base + "/")
	p.wait("French remembered", `document.documentElement.lang === "fr"`)
	p.js(`document.querySelector(".lang-switch").click(), "ok"`)
	p.wait("English again", `document.documentElement.lang === "en"`)

	p.open(f.s.base + "/admin")
	p.signIn("admin", f.password)
	p.wait("the queues", `document.querySelectorAll("table tbody tr").length === 4`)
	p.shot("admin-queues")
	if r := p.js(clickText(".admin-nav button", "Skills")); r != "ok" {
		t.Fatalf("skills section: %s", r)
	}
	p.wait("the skills", `document.querySelector("#section-title")?.textContent === "Skills" && document.querySelectorAll("table tbody tr").length === 2`)
	p.js(clickText(".section-head button", "New"))
	p.wait("the new skill form", `!!document.querySelector("#f-name")`)
	// An empty name: the API's validation error shows next to the field.
	p.js(`document.querySelector(".admin-form").requestSubmit(), "ok"`)
	p.wait("the field error", `document.querySelector("#f-name-error").textContent !== "" && document.querySelector("#f-name").getAttribute("aria-invalid") === "true"`)
	p.shot("admin-field-error")
	p.js(`document.querySelector("#f-name").value = "billing", document.querySelector(".admin-form").requestSubmit(), "ok"`)
	p.wait("the created skill", `[...document.querySelectorAll("table tbody th, table tbody td")].some((c) => c.textContent === "billing")`)
	// An agent with a skill level written as text.
	p.js(clickText(".admin-nav button", "Agents"))
	p.wait("the agents", `document.querySelector("#section-title")?.textContent === "Agents" && document.querySelectorAll("table tbody tr").length >= 6`)
	p.js(clickText(".section-head button", "New"))
	p.wait("the new agent form", `!!document.querySelector("#f-skills")`)
	p.js(`(() => { document.querySelector("#f-name").value = "Zoé Nouvelle"; document.querySelector("#f-skills").value = "billing:11";
		document.querySelector("#f-site_id").selectedIndex = 1; document.querySelector(".admin-form").requestSubmit(); return "ok"; })()`)
	p.wait("the skill level error", `document.querySelector("#f-skills-error").textContent.includes("10")`)
	p.shot("admin-agent-error")
	p.js(`document.querySelector("#f-skills").value = "billing:7", document.querySelector(".admin-form").requestSubmit(), "ok"`)
	p.wait("the created agent", `[...document.querySelectorAll("table tbody td")].some((c) => c.textContent === "Zoé Nouvelle")`)
	var agents []struct {
		Name   string `json:"name"`
		Skills []struct {
			Level int `json:"level"`
		} `json:"skills"`
	}
	f.s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/agents", f.tenant), nil, &agents)
	found := false
	for _, a := range agents {
		if a.Name == "Zoé Nouvelle" && len(a.Skills) == 1 && a.Skills[0].Level == 7 {
			found = true
		}
	}
	if !found {
		t.Errorf("the agent created on the admin page is not stored as typed: %+v", agents)
	}
	p.shot("admin-agents")

	// A schedule from the text forms of its hours and holidays, then an
	// entry point using it.
	p.js(clickText(".admin-nav button", "Schedules"))
	p.wait("the schedules", `document.querySelector("#section-title")?.textContent === "Schedules"`)
	p.js(clickText(".section-head button", "New"))
	p.wait("the new schedule form", `!!document.querySelector("#f-weekly")`)
	p.js(`(() => { document.querySelector("#f-name").value = "Office hours"; document.querySelector("#f-weekly").value = "mon 09:00-18:00\nsat 10:00-12:00";
		document.querySelector("#f-holidays").value = "2026-12-25, 2027-01-01"; document.querySelector(".admin-form").requestSubmit(); return "ok"; })()`)
	p.wait("the created schedule", `[...document.querySelectorAll("table tbody td")].some((c) => c.textContent === "Office hours")`)
	p.js(clickText(".admin-nav button", "Entry points"))
	p.wait("the entry points", `document.querySelector("#section-title")?.textContent === "Entry points"`)
	p.js(clickText(".section-head button", "New"))
	p.wait("the new entry point form", `!!document.querySelector("#f-schedule_id")`)
	p.js(`(() => { document.querySelector("#f-address").value = "after-sales"; const q = document.querySelector("#f-queue_id"); q.value = [...q.options].find((o) => o.textContent === "Support").value;
		const s = document.querySelector("#f-schedule_id"); s.value = [...s.options].find((o) => o.textContent === "Office hours").value;
		document.querySelector("#f-welcome").value = "Bonjour !"; document.querySelector(".admin-form").requestSubmit(); return "ok"; })()`)
	p.wait("the created entry point", `[...document.querySelectorAll("table tbody td")].some((c) => c.textContent === "after-sales")`)
	p.shot("admin-entry-points")
	var schedules []struct {
		ID       int64 `json:"id"`
		Name     string
		Weekly   []struct{ Day int }
		Holidays []string
	}
	f.s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/schedules", f.tenant), nil, &schedules)
	var eps []struct {
		Address    string
		ScheduleID *int64 `json:"schedule_id"`
	}
	f.s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/entry-points", f.tenant), nil, &eps)
	var sched int64
	for _, sc := range schedules {
		if sc.Name == "Office hours" && len(sc.Weekly) == 2 && sc.Weekly[0].Day == 1 && sc.Weekly[1].Day == 6 && len(sc.Holidays) == 2 {
			sched = sc.ID
		}
	}
	linked := false
	for _, ep := range eps {
		linked = linked || (ep.Address == "after-sales" && ep.ScheduleID != nil && *ep.ScheduleID == sched && sched != 0)
	}
	if !linked {
		t.Errorf("schedule or entry point not stored as typed: %+v %+v", schedules, eps)
	}
}

// queueCell reads a cell of a queue's row on the wallboard (0 name, 1
// waiting, ... 6 offered, 7 answered, 8 abandoned).
func queueCell(queue string, i int) string {
	return fmt.Sprintf(`(() => { const r = [...document.querySelectorAll("#queues tbody tr")].find((tr) => tr.cells[0].textContent === %q); return r ? r.cells[%d].textContent : "none"; })()`, queue, i)
}

func TestUIContactFlow(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// A supervisor watches the wallboard from the start.
	sup := newPerson(t, root, "supervisor")
	sup.open(fmt.Sprintf("%s/wallboard?tenant=%d", f.s.base, f.tenant))
	sup.signIn("supervisor", f.password)
	sup.wait("the wallboard", `document.querySelector("#t-waiting")?.textContent === "0" && document.querySelectorAll("#queues tbody tr").length === 4`)
	if got := sup.js(queueCell("Support", 6)); got != "0" {
		t.Fatalf("offered before anything happened: %q", got)
	}

	// The agent's desk is open (not ready yet): positions and waits are
	// announced (with nobody signed in they would not be).
	agentSocket(ctx, t, f)

	// A first customer (a plain socket) is ahead in the queue.
	ahead := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start","name":"Jeanne (earlier)","email":"jeanne@example.com"}`)
	if q := ahead.await(t, 10*time.Second, "queued"); q.Position != 1 {
		t.Fatalf("first customer at position %d", q.Position)
	}

	// The customer opens the widget on the brand's page and waits, second.
	cust := newPerson(t, root, "customer")
	cust.open(f.s.base + "/try/demo")
	cust.wait("the chat button", widget(`!!w.querySelector(".launcher")`))
	cust.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	cust.wait("the start form", widget(`!!w.querySelector("#plateau-name") && !w.querySelector(".panel").hidden`))
	cust.js(widget(`(() => { w.querySelector("#plateau-name").value = "Jeanne Martin"; w.querySelector("#plateau-email").value = "jeanne@example.com";
		w.querySelector("form.start").requestSubmit(); return "ok"; })()`))
	cust.wait("position 2", widget(`w.querySelector(".status").textContent.startsWith("You are number 2 in line.")`))
	if live := cust.js(widget(`w.querySelector(".status").getAttribute("aria-live")`)); live != "polite" {
		t.Errorf("the position is not announced: aria-live %q", live)
	}
	cust.shot("widget-waiting")
	sup.wait("two waiting", queueCell("Support", 1)+` === "2"`)

	// The customer ahead leaves: the position moves up.
	if err := ahead.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"leave"}`)); err != nil {
		t.Fatal(err)
	}
	cust.wait("next in line", widget(`w.querySelector(".status").textContent.startsWith("You are next in line.")`))
	sup.wait("one waiting, one abandoned", queueCell("Support", 1)+` === "1" && `+queueCell("Support", 8)+`.startsWith("1")`)

	// A reload keeps the place (the resume token is in sessionStorage).
	cust.open(f.s.base + "/try/demo")
	cust.wait("the place kept after a reload", widget(`!w.querySelector(".panel").hidden && w.querySelector(".status").textContent.startsWith("You are next in line.")`))

	// An agent signs in on the desktop, becomes ready and gets the offer
	// with the customer's history.
	ag := newPerson(t, root, "agent")
	ag.open(f.s.base + "/agent")
	ag.wait("the agent sign-in", `!!document.querySelector("#agent-login")`)
	ag.js(fmt.Sprintf(`(() => { document.querySelector("#agent-login").value = "agent1"; document.querySelector("#agent-password").value = %q;
		document.querySelector("#agent-password").form.requestSubmit(); return "ok"; })()`, f.password))
	ag.wait("the desk", `document.querySelector("#who").textContent === "Camille Martin" && !!document.querySelector("#state-select")`)
	if pw := ag.js(`document.querySelector("#agent-password") ? document.querySelector("#agent-password").value : ""`); pw != "" {
		t.Errorf("the password is still in the page")
	}
	if stored := ag.js(`JSON.stringify(localStorage) + JSON.stringify(sessionStorage)`); strings.Contains(stored, f.password) {
		t.Errorf("the password is stored by the page: %s", stored)
	}
	ag.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	ag.wait("the offer", `!!document.querySelector(".offer") && document.querySelector(".offer").textContent.includes("Jeanne Martin")`)
	if hist := ag.js(`document.querySelector(".offer table.history")?.textContent || ""`); !strings.Contains(hist, "Abandoned") {
		t.Errorf("the offer's history does not show the earlier abandoned contact: %q", hist)
	}
	ag.shot("agent-offer")
	var contactID int64
	fmt.Sscanf(ag.js(`document.querySelector(".offer").id`), "offer-%d", &contactID)
	if contactID == 0 {
		t.Fatal("no contact id on the offer")
	}
	ag.js(clickText(".offer button", "Accept"))
	ag.wait("the chat tab", fmt.Sprintf(`document.querySelector("#tab-%d")?.getAttribute("aria-selected") === "true"`, contactID))
	cust.wait("connected", widget(`w.querySelector(".status").textContent === "You are chatting with Camille."`))

	// Both write.
	cust.js(widget(`(() => { w.querySelector("#plateau-msg").value = "Bonjour, ma commande 42 n'est pas arrivée."; w.querySelector("form.composer").requestSubmit(); return "ok"; })()`))
	ag.wait("the customer's message", fmt.Sprintf(`document.querySelector("#panel-%d .chat-log").textContent.includes("ma commande 42")`, contactID))
	ag.js(fmt.Sprintf(`(() => { document.querySelector("#compose-%d").value = "Je regarde tout de suite."; document.querySelector("#panel-%d form.composer").requestSubmit(); return "ok"; })()`, contactID, contactID))
	cust.wait("the agent's message", widget(`[...w.querySelectorAll(".msg.from-agent")].some((m) => m.textContent.includes("Je regarde tout de suite."))`))
	cust.wait("the own message acknowledged", widget(`w.querySelectorAll(".msg.from-customer.pending").length === 0`))
	cust.shot("widget-chat")
	ag.wait("the agent's message acknowledged", `document.querySelectorAll(".chat-log .pending").length === 0`)
	ag.shot("agent-chat")
	sup.wait("one answered", queueCell("Support", 7)+` === "1" && document.querySelector("#t-waiting").textContent === "0"`)

	// The agent ends the chat and wraps up under a visible timer.
	ag.js(clickText(fmt.Sprintf("#panel-%d button", contactID), "End the chat"))
	ag.wait("the wrap-up form", fmt.Sprintf(`!!document.querySelector("#disp-%d") && document.querySelector("#panel-%d .wrap-timer").textContent.startsWith("Time ")`, contactID, contactID))
	ag.wait("the countdown", fmt.Sprintf(`/^Time left: 0:[0-3][0-9]$/.test(document.querySelector("#panel-%d .wrap-timer").textContent)`, contactID))
	ag.shot("agent-wrapup")
	ag.js(fmt.Sprintf(`(() => { document.querySelector("#disp-%d").value = "resolved"; document.querySelector("#notes-%d").value = "Parcel chased with the carrier.";
		document.querySelector("#panel-%d .wrapup-form").requestSubmit(); return "ok"; })()`, contactID, contactID, contactID))
	ag.wait("the tab closed", fmt.Sprintf(`!document.querySelector("#tab-%d")`, contactID))

	// The customer rates the contact.
	cust.wait("the survey", widget(`!!w.querySelector("form.survey")`))
	cust.shot("widget-survey")
	cust.js(widget(`(() => { w.querySelector("input[name=score][value='5']").click(); w.querySelector("#plateau-comment").value = "Quick and kind.";
		w.querySelector("form.survey").requestSubmit(); return "ok"; })()`))
	cust.wait("the thanks", widget(`w.querySelector(".status").textContent === "Thank you for your rating!"`))
	cust.shot("widget-thanks")
	in := f.interaction(contactID)
	if in["csat_score"] != float64(5) || in["csat_comment"] != "Quick and kind." || in["disposition"] != "resolved" || in["notes"] != "Parcel chased with the carrier." {
		t.Errorf("stored interaction: score %v comment %v disposition %v notes %v", in["csat_score"], in["csat_comment"], in["disposition"], in["notes"])
	}

	// The wallboard's figures followed; the supervisor changes the agent's
	// state from there.
	sup.wait("the day's figures", queueCell("Support", 6)+` === "2" && `+queueCell("Support", 7)+` === "1" && `+queueCell("Support", 3)+` !== "—"`)
	sup.wait("the agent row", `[...document.querySelectorAll("#agents tbody tr")].some((tr) => tr.textContent.includes("Camille Martin") && tr.textContent.includes("Ready"))`)
	sup.wait("the intraday chart", `document.querySelectorAll("svg.chart rect.bar-offered").length >= 1`)
	sup.shot("wallboard")
	aid := sup.js(`[...document.querySelectorAll("#agents tbody tr")].find((tr) => tr.textContent.includes("Camille Martin")).dataset.agent`)
	sup.js(fmt.Sprintf(`(() => { document.querySelector("#act-%s").value = "not_ready:break"; document.querySelector("#act-%s").nextElementSibling.click(); return "ok"; })()`, aid, aid))
	ag.wait("the state set by the supervisor", `document.querySelector(".current-state .badge").textContent === "Not ready · Break"`)
	ag.shot("agent-desk")

	// A waiting contact moved to another queue from the wallboard.
	mover := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), `{"type":"start","name":"Paul"}`)
	q := mover.await(t, 10*time.Second, "queued")
	sup.wait("the new contact waiting", queueCell("Support", 1)+` === "1"`)
	// It is listed with its queue and position; its Move button fills the
	// form and puts the focus on the target queue.
	row := fmt.Sprintf(`document.querySelector('#contacts tr[data-contact="%d"]')`, q.ContactID)
	sup.wait("the contact listed", row+`?.textContent.includes("Support") && `+row+`.children[4].textContent === "1" && `+row+`.children[1].textContent === "Paul"`)
	sup.shot("wallboard-contacts")
	sup.js(row + `.querySelector("button").click(), "ok"`)
	sup.wait("the form filled", fmt.Sprintf(`document.querySelector("#move-id").value === "%d" && document.activeElement.id === "move-queue"`, q.ContactID))
	sup.js(`(() => { const s = document.querySelector("#move-queue");
		s.value = [...s.options].find((o) => o.textContent === "Sales").value; s.form.requestSubmit(); return "ok"; })()`)
	sup.wait("moved", `document.querySelector(".move-form .ok-text").textContent.includes("Sales")`)
	sup.wait("waiting in Sales", queueCell("Sales", 1)+` === "1" && `+queueCell("Support", 1)+` === "0"`)
	sup.shot("wallboard-moved")
}

func TestUIClientViewerSeesOnlyItsTenant(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	v := newPerson(t, root, "viewer")
	v.open(fmt.Sprintf("%s/wallboard?tenant=%d", f.s.base, f.other))
	v.signIn("viewer", f.password)
	v.wait("the refusal", `document.querySelector(".notice.error")?.textContent.includes("not allowed")`)
	v.shot("wallboard-other-tenant")
	// The API refuses it too, not only the page.
	status := v.js(fmt.Sprintf(`fetch("/api/v1/tenants/%d/wallboard").then((r) => String(r.status))`, f.other))
	if status != "403" && status != "404" {
		t.Errorf("a client viewer reading another tenant's wallboard: HTTP %s", status)
	}
	status = v.js(fmt.Sprintf(`fetch("/api/v1/tenants/%d/queues").then((r) => String(r.status))`, f.other))
	if status != "403" && status != "404" {
		t.Errorf("a client viewer reading another tenant's queues: HTTP %s", status)
	}
	// Its own tenant's wallboard, without the supervisor's actions.
	v.open(fmt.Sprintf("%s/wallboard?tenant=%d", f.s.base, f.tenant))
	v.wait("its own wallboard", `document.querySelectorAll("#queues tbody tr").length === 4`)
	if n := v.js(`String(document.querySelectorAll("#move-id, td.act").length)`); n != "0" {
		t.Errorf("a client viewer is offered supervisor actions (%s controls)", n)
	}
	v.shot("wallboard-client-viewer")
	// The admin pages say no.
	v.open(f.s.base + "/admin")
	v.wait("the admin refusal", `document.querySelector(".notice.error")?.textContent.includes("administrators")`)
}
func TestUIWidgetCallbackInFrench(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	cust := newPerson(t, root, "customer")
	cust.open(f.s.base + "/try/demo")
	cust.wait("the chat button", widget(`!!w.querySelector(".launcher")`))
	// The page's switch turns the widget French too.
	cust.js(`document.querySelector("[data-lang-slot] .lang-switch").click(), "ok"`)
	cust.wait("the French button", widget(`w.querySelector(".launcher").textContent === "Discuter avec nous"`))
	cust.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	cust.wait("the start form", widget(`!!w.querySelector("#plateau-name")`))
	if focused := cust.js(widget(`w.activeElement?.id || ""`)); focused != "plateau-name" {
		t.Errorf("the panel opened with the focus on %q, want the name field", focused)
	}
	// Escape folds the panel back into the button, which gets the focus.
	if err := chromedp.Do(cust.ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	cust.wait("the panel folded", widget(`w.querySelector(".panel").hidden && w.activeElement === w.querySelector(".launcher")`))
	cust.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	cust.js(widget(`w.querySelector("form.start").requestSubmit(), "ok"`))
	// Nobody is signed in: no wait is promised, a callback is offered.
	cust.wait("no adviser", widget(`w.querySelector(".status").textContent.startsWith("Aucun conseiller n'est disponible pour le moment.") && !w.querySelector("form.callback").hidden`))
	// A malformed number is refused by the widget itself, next to the field.
	cust.js(widget(`(() => { w.querySelector("#plateau-phone").value = "12"; w.querySelector("form.callback").requestSubmit(); return "ok"; })()`))
	cust.wait("the phone error", widget(`w.querySelector("#plateau-phone-error").textContent.includes("06 12 34 56 78") && w.querySelector("#plateau-phone").getAttribute("aria-invalid") === "true"`))
	cust.shot("widget-callback-fr")
	cust.js(widget(`(() => { w.querySelector("#plateau-phone").value = "+33 1 23 45 67 89"; w.querySelector("form.callback").requestSubmit(); return "ok"; })()`))
	cust.wait("the callback kept", widget(`w.querySelector(".status").textContent.startsWith("Votre place est gardée") && w.querySelector("form.callback").hidden`))
	cust.shot("widget-callback-kept-fr")
	// The token and the contact are kept for a reload; the interaction
	// waits as a callback to the number, written without spaces.
	var kept struct {
		Token   string `json:"token"`
		Contact int64  `json:"contact"`
	}
	if err := json.Unmarshal([]byte(cust.js(`sessionStorage.getItem("plateau.chat.demo")`)), &kept); err != nil || kept.Token == "" || kept.Contact == 0 {
		t.Fatalf("sessionStorage after the callback: %+v %v", kept, err)
	}
	in := f.interaction(kept.Contact)
	if cb, _ := in["callback"].(map[string]any); cb == nil || cb["number"] != "+33123456789" || in["state"] != "callback" {
		t.Errorf("stored interaction: state %v callback %v", in["state"], in["callback"])
	}
}

func TestUIAgentTabs(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ag := newPerson(t, root, "agent")
	ag.open(f.s.base + "/agent")
	ag.wait("the agent sign-in", `!!document.querySelector("#agent-login")`)
	// A wrong password is refused with a message.
	ag.js(`(() => { document.querySelector("#agent-login").value = "agent1"; document.querySelector("#agent-password").value = "wrong-password";
		document.querySelector("#agent-password").form.requestSubmit(); return "ok"; })()`)
	ag.wait("the refusal", `document.querySelector(".signin .form-error").textContent.includes("wrong password")`)
	ag.js(fmt.Sprintf(`(() => { document.querySelector("#agent-password").value = %q; document.querySelector("#agent-password").form.requestSubmit(); return "ok"; })()`, f.password))
	ag.wait("the desk", `!!document.querySelector("#state-select")`)
	// Not ready with a reason, then ready.
	ag.js(`(() => { document.querySelector("#state-select").value = "not_ready"; document.querySelector("#state-select").dispatchEvent(new Event("change"));
		document.querySelector("#reason-select").value = "training"; document.querySelector(".state-form").requestSubmit(); return "ok"; })()`)
	ag.wait("not ready for training", `document.querySelector(".current-state .badge").textContent === "Not ready · Training"`)
	ag.js(`document.querySelector("#state-select").value = "ready", document.querySelector(".state-form").requestSubmit(), "ok"`)
	ag.wait("ready", `document.querySelector(".current-state .badge").textContent === "Ready"`)

	var customers []*customer
	for i, name := range []string{"Alice", "Bruno"} {
		c := dialCustomer(ctx, t, f.s.ws("/chat/demo/ws"), fmt.Sprintf(`{"type":"start","name":%q}`, name))
		q := c.await(t, 10*time.Second, "queued")
		c.id = q.ContactID
		customers = append(customers, c)
		ag.wait("the offer of "+name, fmt.Sprintf(`!!document.querySelector("#offer-%d")`, q.ContactID))
		ag.js(clickText(fmt.Sprintf("#offer-%d button", q.ContactID), "Accept"))
		ag.wait("the tab of "+name, fmt.Sprintf(`document.querySelectorAll("[role=tab]").length === %d`, i+1))
		c.await(t, 10*time.Second, "connected")
	}
	// The first tab stays selected; the arrow keys move along the tablist.
	first, second := customers[0].id, customers[1].id
	ag.wait("the first tab selected", fmt.Sprintf(`document.querySelector("#tab-%d").getAttribute("aria-selected") === "true" && document.querySelector("#panel-%d").hidden`, first, second))
	customers[1].say(ctx, t, "b1", "Bonjour, c'est Bruno.")
	ag.wait("the unread mark", fmt.Sprintf(`document.querySelector("#tab-%d .unread").textContent === " (1)"`, second))
	ag.shot("agent-tabs")
	ag.js(fmt.Sprintf(`document.querySelector("#tab-%d").focus(), "ok"`, first))
	if err := chromedp.Do(ag.ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	ag.wait("the second tab selected by the keyboard", fmt.Sprintf(`document.querySelector("#tab-%d").getAttribute("aria-selected") === "true" && document.activeElement.id === "tab-%d" && !document.querySelector("#panel-%d").hidden && document.querySelector("#tab-%d .unread").textContent === ""`, second, second, second, second))
	if log := ag.js(fmt.Sprintf(`document.querySelector("#panel-%d .chat-log").textContent`, second)); !strings.Contains(log, "Bonjour, c'est Bruno.") {
		t.Errorf("second chat's log: %q", log)
	}
}

// TestUIWidgetOnAnotherSite embeds the widget with its one tag in a page of
// another origin (a brand's site), as the README tells brands to.
func TestUIWidgetOnAnotherSite(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	brand := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Brand</title></head>
<body><h1>A brand's own page</h1><script src="%s/widget.js" data-entry="demo" async></script></body></html>`, f.s.base)
	}))
	defer brand.Close()
	root := browser(t)
	cust := newPerson(t, root, "customer")
	cust.open(brand.URL)
	cust.wait("the chat button on the brand's page", widget(`!!w.querySelector(".launcher")`))
	cust.js(widget(`w.querySelector(".launcher").click(), "ok"`))
	cust.wait("the start form", widget(`!!w.querySelector("#plateau-name")`))
	cust.js(widget(`w.querySelector("form.start").requestSubmit(), "ok"`))
	cust.wait("the position", widget(`w.querySelector(".status").textContent.startsWith("No adviser is available at the moment.")`))
	cust.js(widget(`(() => { w.querySelector("#plateau-msg").value = "Hello from the brand's site"; w.querySelector("form.composer").requestSubmit(); return "ok"; })()`))
	cust.wait("the message acknowledged", widget(`w.querySelectorAll(".msg.from-customer").length === 1 && w.querySelectorAll(".msg.pending").length === 0`))
	cust.shot("widget-other-site")
	// The survey endpoint answers the brand's origin (CORS preflight).
	status := cust.js(fmt.Sprintf(`fetch(%q, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({token: "nope", score: 5})}).then((r) => String(r.status), (e) => "blocked: " + e.message)`, f.s.base+"/chat/demo/survey"))
	if status != "404" {
		t.Errorf("survey from the brand's origin with an unknown token: %s, want 404", status)
	}
}

func TestUIAdminTenantsWithToken(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	p := newPerson(t, root, "platform admin")
	p.open(f.s.base + "/admin")
	p.wait("the token form", `!!document.querySelector("#signin-token")`)
	p.js(fmt.Sprintf(`(() => { document.querySelector("#signin-token").value = %q; document.querySelector("#signin-token").form.requestSubmit(); return "ok"; })()`, f.s.token))
	p.wait("the tenants", `document.querySelector("#section-title")?.textContent === "Tenants" && document.querySelectorAll("table tbody tr").length === 2`)
	p.js(clickText(".section-head button", "New"))
	p.wait("the new tenant form", `!!document.querySelector("#f-slug")`)
	// A slug the model refuses: the message sits by the slug field.
	p.js(`(() => { document.querySelector("#f-slug").value = "Not A Slug"; document.querySelector("#f-name").value = "Acme"; document.querySelector(".admin-form").requestSubmit(); return "ok"; })()`)
	p.wait("the slug error", `document.querySelector("#f-slug-error").textContent !== "" && document.querySelector("#f-slug").getAttribute("aria-invalid") === "true" && document.activeElement.id === "f-slug"`)
	p.shot("admin-tenant-error")
	p.js(`document.querySelector("#f-slug").value = "acme", document.querySelector(".admin-form").requestSubmit(), "ok"`)
	p.wait("the created tenant", `document.querySelectorAll("table tbody tr").length === 3`)
	// Its queues are reached through the tenant picker.
	p.js(clickText(".admin-nav button", "Queues"))
	p.wait("the picker", `!!document.querySelector("#tenant-picker")`)
	p.js(`(() => { const s = document.querySelector("#tenant-picker"); s.value = [...s.options].find((o) => o.textContent.includes("(acme)")).value; s.dispatchEvent(new Event("change")); return "ok"; })()`)
	p.wait("the new tenant's empty queues", `document.querySelector("#section-title")?.textContent === "Queues" && document.querySelector(".admin-body .muted")?.textContent === "Nothing yet."`)
	var tenants []struct{ Slug, Name string }
	f.s.call(t, http.MethodGet, "/api/v1/tenants", nil, &tenants)
	found := false
	for _, x := range tenants {
		found = found || (x.Slug == "acme" && x.Name == "Acme")
	}
	if !found {
		t.Errorf("tenant not created: %+v", tenants)
	}
}

// TestUIChecksCanFail: the label and contrast checks run on every
// screenshot find what they look for.
func TestUIChecksCanFail(t *testing.T) {
	t.Parallel()
	root := browser(t)
	p := newPerson(t, root, "checker")
	p.open(`data:text/html,<body style="background:%23fff"><p style="color:%23999">faint</p><p style="color:%23767676">just enough</p>` +
		`<p style="color:%238a8a8a;font-size:30px">large enough</p><div style="background:%231d5aa0"><span style="color:%23fff">on blue</span>` +
		`<span style="color:%232a5a90">lost</span></div><button></button><input></body>`)
	for _, c := range []struct {
		js   string
		want []string
	}{
		{lowContrastJS, []string{">faint<", ">lost<"}},
		{unlabelledJS, []string{"<button>", "<input>"}},
	} {
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](c.js))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(got, "\n")
		if len(lines) != len(c.want) {
			t.Fatalf("found %d, want %d:\n%s", len(lines), len(c.want), got)
		}
		for i, w := range c.want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q, want %q in it", i, lines[i], w)
			}
		}
	}
}

// TestUIAdminVoiceMenu: an admin reads the demo's voice menu as lines,
// listens to its prompt, uploads another recording and changes the menu;
// mistakes are shown by the field that holds them.
func TestUIAdminVoiceMenu(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	root := browser(t)
	p := newPerson(t, root, "admin")
	p.open(f.s.base + "/admin")
	p.signIn("admin", f.password)
	p.wait("the queues", `document.querySelector("#section-title")?.textContent === "Queues"`)
	p.js(clickText(".admin-nav button", "Entry points"))
	p.wait("the entry points", `[...document.querySelectorAll("table tbody td")].some((c) => c.textContent === "1001")`)
	if got := p.js(`[...document.querySelectorAll("table tbody tr")].find((tr) => tr.cells[2].textContent === "1001").cells[4].textContent`); got != "1 Support téléphone, 2 Ventes téléphone; 0 Support téléphone" {
		t.Errorf("menu column %q", got)
	}
	p.js(`[...document.querySelectorAll("table tbody tr")].find((tr) => tr.cells[2].textContent === "1001").querySelector("button").click(), "ok"`)
	p.wait("the menu and its prompt", `document.querySelector("#f-menu")?.value === "1 = Support téléphone\n2 = Ventes téléphone" &&
		document.querySelector("#prompt-status")?.textContent.startsWith("A prompt of 5.8 s") && document.querySelector("audio")?.src.startsWith("blob:")`)
	p.shot("admin-voice-menu")

	// Upload another recording: a 16 kHz stereo WAV of 2 s.
	dir := t.TempDir()
	wav := filepath.Join(dir, "menu.wav")
	if err := os.WriteFile(wav, stereoWAV(16000, 2*time.Second), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "notes.wav")
	if err := os.WriteFile(bad, []byte("not audio at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(p.ctx, chromedp.SetUploadFiles("#prompt-file", []string{bad})); err != nil {
		t.Fatal(err)
	}
	p.js(clickText(".admin-form button", "Upload"))
	p.wait("the refused file", `document.querySelector("#prompt-error").textContent.includes("RIFF") && document.querySelector("#prompt-file").getAttribute("aria-invalid") === "true"`)
	if _, err := chromedp.Run(p.ctx, chromedp.SetUploadFiles("#prompt-file", []string{wav})); err != nil {
		t.Fatal(err)
	}
	p.js(clickText(".admin-form button", "Upload"))
	p.wait("the new prompt", `document.querySelector("#prompt-status").textContent.startsWith("A prompt of 2.0 s") && document.querySelector("#prompt-error").textContent === ""`)
	// Removed, the list says the menu is not offered; then uploaded again.
	p.js(clickText(".admin-form button", "Remove the prompt"))
	p.wait("the prompt removed", `document.querySelector("#prompt-status").textContent.startsWith("No prompt recorded") &&
		document.querySelector("audio").hidden && document.querySelector('tr[data-id] td:nth-child(5)') !== null &&
		[...document.querySelectorAll("table tbody tr")].find((tr) => tr.cells[2].textContent === "1001").cells[4].textContent.includes("no recorded prompt")`)
	p.js(clickText(".admin-form button", "Upload"))
	p.wait("the prompt back", `document.querySelector("#prompt-status").textContent.startsWith("A prompt of 2.0 s") &&
		!document.querySelector("audio").hidden && !document.querySelector("table").textContent.includes("no recorded prompt")`)

	// A queue that does not exist, then key 0 (the API refuses it), then a
	// menu with the options swapped.
	p.js(`document.querySelector("#f-menu").value = "1 = Nowhere", document.querySelector(".admin-form").requestSubmit(), "ok"`)
	p.wait("the unknown queue", `document.querySelector("#f-menu-error").textContent.includes("Nowhere") && document.activeElement.id === "f-menu"`)
	p.js(`document.querySelector("#f-menu").value = "0 = Ventes téléphone", document.querySelector(".admin-form").requestSubmit(), "ok"`)
	p.wait("key 0 refused", `document.querySelector("#f-menu-error").textContent.includes("0") && document.querySelector("#f-menu").getAttribute("aria-invalid") === "true"`)
	p.shot("admin-voice-menu-error")
	p.js(`document.querySelector("#f-menu").value = "1 = Ventes téléphone\n2 = Support téléphone", document.querySelector(".admin-form").requestSubmit(), "ok"`)
	p.wait("the saved menu", `[...document.querySelectorAll("table tbody td")].some((c) => c.textContent === "1 Ventes téléphone, 2 Support téléphone; 0 Support téléphone")`)
	var eps []struct {
		Address      string `json:"address"`
		MenuPromptMS int    `json:"menu_prompt_ms"`
		Menu         *struct {
			Options []struct {
				Key   string `json:"key"`
				Label string `json:"label"`
			} `json:"options"`
		} `json:"menu"`
	}
	f.s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/entry-points", f.tenant), nil, &eps)
	for _, ep := range eps {
		if ep.Address != "1001" {
			continue
		}
		if ep.MenuPromptMS != 2000 || ep.Menu == nil || len(ep.Menu.Options) != 2 || ep.Menu.Options[0].Label != "Ventes téléphone" {
			t.Errorf("entry 1001 stored as %+v", ep)
		}
	}
}

// stereoWAV is d of a 1 kHz tone as 16-bit stereo PCM at rate.
func stereoWAV(rate int, d time.Duration) []byte {
	n := int(d.Seconds() * float64(rate))
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 4*n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(2))
	le(uint32(rate))
	le(uint32(rate * 4))
	le(uint16(4))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(4 * n))
	for i := range n {
		v := int16(6000 * math.Sin(2*math.Pi*1000*float64(i)/float64(rate)))
		le(v)
		le(v)
	}
	return b.Bytes()
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/coder/websocket"
)

// The Reports page against a real `plateau demo`: a few chats make a
// history (a short abandon, an abandon, a chat answered, wrapped up and
// rated), the server's upkeep rolls them up, and the page must show the
// API's figures for the same period, list the contacts behind a figure
// (paged), download the CSV it links, refuse a bad period next to the
// field, and speak French to a French browser.

// reportRow is a row of the queues report as the test reads it.
type reportRow map[string]any

func (r reportRow) num(k string) (float64, bool) {
	v, ok := r[k].(float64)
	return v, ok
}

// onScreen formats a report's value as the page does (English): ratios
// as % with at most one decimal, seconds as m:ss, counts as integers,
// means with one decimal, and a dash for none.
func onScreen(kind string, v any) string {
	f, ok := v.(float64)
	if !ok {
		return "\u2014"
	}
	switch kind {
	case "pct":
		return strings.TrimSuffix(strconv.FormatFloat(math.Round(f*1000)/10, 'f', 1, 64), ".0") + "%"
	case "secs":
		s := int(math.Floor(f))
		if s >= 3600 {
			return fmt.Sprintf("%d:%02d:%02d", s/3600, s%3600/60, s%60)
		}
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	case "dec1":
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// queueFigures are the queues report's fields the page shows, with how.
var queueFigures = map[string]string{
	"offered": "count", "answered": "count", "abandoned": "count", "short_abandoned": "count",
	"service_level": "pct", "answer_rate": "pct", "abandon_rate": "pct", "asa_seconds": "secs",
	"max_wait_seconds": "secs", "mean_abandon_seconds": "secs", "aht_seconds": "secs", "talk_seconds": "secs",
	"hold_seconds": "secs", "wrap_up_seconds": "secs", "flowed_out": "count", "refused": "count", "rona": "count",
	"callbacks_requested": "count", "callbacks_completed": "count", "csat_mean": "dec1",
}

// tableJS reads a report table: each row's period, id, whether it is the
// total, and its cells' texts by data-key.
const tableJS = `JSON.stringify([...document.querySelectorAll("#rp-rows tbody tr, #rp-rows tfoot tr")].map((tr) => ({
	period: tr.dataset.period || "", id: tr.dataset.id || "", total: tr.classList.contains("total"),
	cells: Object.fromEntries([...tr.children].map((c) => [c.dataset.key, c.textContent])) })))`

type screenRow struct {
	Period string            `json:"period"`
	ID     string            `json:"id"`
	Total  bool              `json:"total"`
	Cells  map[string]string `json:"cells"`
}

func (p *person) table() []screenRow {
	p.t.Helper()
	var rows []screenRow
	if err := json.Unmarshal([]byte(p.js(tableJS)), &rows); err != nil {
		p.t.Fatalf("%s: read the table: %v", p.name, err)
	}
	return rows
}

// fetchJS fetches url in the page (with its session) and returns
// "status|content-type|body".
func fetchJS(urlExpr string) string {
	return `fetch(` + urlExpr + `).then(async (r) => r.status + "|" + r.headers.get("content-type") + "|" + await r.text())`
}

func TestUIReports(t *testing.T) {
	t.Parallel()
	f := newUIFixture(t)
	s := f.s
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The history: Alice leaves at once (a short abandon), Bruno after
	// the 5 s short-abandon threshold, Chloé is answered and rates 4.
	alice := dialCustomer(ctx, t, s.ws("/chat/demo/ws"), `{"type":"start","name":"Alice Short","email":"alice@example.com"}`)
	qa := alice.await(t, 10*time.Second, "queued")
	bruno := dialCustomer(ctx, t, s.ws("/chat/demo/ws"), `{"type":"start","name":"Bruno Long","email":"bruno@example.com","phone":"+33612345678"}`)
	qb := bruno.await(t, 10*time.Second, "queued")
	if err := alice.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"leave"}`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second)
	if err := bruno.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"leave"}`)); err != nil {
		t.Fatal(err)
	}
	bruno.await(t, 10*time.Second, "ended")
	chloe := dialCustomer(ctx, t, s.ws("/chat/demo/ws"), `{"type":"start","name":"Chloé Happy","email":"chloe@example.com"}`)
	qc := chloe.await(t, 10*time.Second, "queued")

	desk, _, err := websocket.Dial(ctx, s.ws("/agent/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer desk.CloseNow()
	send := func(v any) {
		b, _ := json.Marshal(v)
		if err := desk.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(typ string) map[string]any {
		for {
			_, b, err := desk.Read(ctx)
			if err != nil {
				t.Fatalf("desk: waiting for %s: %v", typ, err)
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			if m["type"] == "error" {
				t.Fatalf("desk: %s", b)
			}
			if m["type"] == typ {
				return m
			}
		}
	}
	send(map[string]any{"type": "login", "login": "agent1", "password": f.password})
	expect("logged_in")
	send(map[string]any{"type": "state", "state": "ready"})
	offer := expect("offer")
	if id := int64(offer["contact_id"].(float64)); id != qc.ContactID {
		t.Fatalf("offered contact %d, want Chloé's %d", id, qc.ContactID)
	}
	send(map[string]any{"type": "accept", "contact_id": qc.ContactID})
	chloe.await(t, 10*time.Second, "connected")
	time.Sleep(1500 * time.Millisecond) // some talk time
	send(map[string]any{"type": "end", "contact_id": qc.ContactID})
	chloe.await(t, 10*time.Second, "ended")
	send(map[string]any{"type": "wrap_up", "contact_id": qc.ContactID, "disposition": "resolved", "notes": ""})
	body, _ := json.Marshal(map[string]any{"token": qc.ResumeToken, "score": 4, "comment": "Clear and quick."})
	resp, err := http.Post(s.base+"/chat/demo/survey", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("survey: %s", resp.Status)
	}
	send(map[string]any{"type": "state", "state": "logged_out"})

	// The rollups follow within seconds; the day is the queues' own.
	base := fmt.Sprintf("/api/v1/tenants/%d", f.tenant)
	utc := time.Now().UTC()
	var day string
	var qr struct {
		Rows  []reportRow `json:"rows"`
		Total reportRow   `json:"total"`
	}
	waitFor(t, "the rollups", 30*time.Second, func() bool {
		s.call(t, http.MethodGet, fmt.Sprintf("%s/reports/queues?from=%s&to=%s&group=day", base, utc.AddDate(0, 0, -1).Format(time.DateOnly), utc.AddDate(0, 0, 1).Format(time.DateOnly)), nil, &qr)
		a, _ := qr.Total.num("answered")
		ab, _ := qr.Total.num("abandoned")
		cs, _ := qr.Total.num("csat_responses")
		return a == 1 && ab == 2 && cs == 1
	})
	for _, r := range qr.Rows {
		if n, _ := r.num("offered"); n > 0 {
			day = r["period"].(string)
		}
	}
	if day == "" {
		t.Fatalf("no day with contacts: %v", qr.Rows)
	}
	query := fmt.Sprintf("from=%s&to=%s&group=hour", day, day)
	s.call(t, http.MethodGet, base+"/reports/queues?"+query, nil, &qr)
	if n, _ := qr.Total.num("short_abandoned"); n != 1 {
		t.Fatalf("short abandons %v, want Alice's", qr.Total["short_abandoned"])
	}

	root := browser(t)
	sup := newPerson(t, root, "supervisor")
	sup.open(fmt.Sprintf("%s/reports?tenant=%d&%s&page_size=1", s.base, f.tenant, query))
	sup.signIn("supervisor", f.password)
	sup.wait("the queues report", `!!document.querySelector("#rp-rows tfoot tr.total") && document.querySelector("#rp-panel").getAttribute("aria-busy") === null`)

	// Every figure on screen is the API's for the same period.
	screen := sup.table()
	if len(screen) != len(qr.Rows)+1 {
		t.Fatalf("%d rows on screen, the API has %d and a total", len(screen), len(qr.Rows))
	}
	check := func(where string, got map[string]string, want reportRow) {
		for k, kind := range queueFigures {
			if w := onScreen(kind, want[k]); got[k] != w {
				t.Errorf("%s: %s is %q on screen, the API says %v (%q)", where, k, got[k], want[k], w)
			}
		}
	}
	for i, r := range qr.Rows {
		row := screen[i]
		if row.Period != r["period"] || row.ID != onScreen("count", r["queue_id"]) || row.Cells["queue"] != r["queue"] {
			t.Errorf("row %d: %s/%s/%s on screen, API %v/%v/%v", i, row.Period, row.ID, row.Cells["queue"], r["period"], r["queue_id"], r["queue"])
		}
		check("row "+row.Period, row.Cells, r)
	}
	check("total", screen[len(screen)-1].Cells, qr.Total)
	if tile := sup.js(`document.querySelector("#rp-tiles").textContent`); !strings.Contains(tile, "Offered3") || !strings.Contains(tile, "Abandoned2") {
		t.Errorf("tiles: %q", tile)
	}
	sup.wait("the volume chart", `document.querySelectorAll("#rp-chart-volume rect.bar-offered").length >= 1 && document.querySelector("#rp-chart-volume desc").textContent.includes("3 offered")`)
	sup.shot("reports-queues")

	// The drill-down from the total's abandoned: the two who left, one
	// per page here (page_size=1), newest first.
	sup.js(`document.querySelector("#rp-rows tfoot [data-key=abandoned] button").click(), "ok"`)
	sup.wait("the first page", `document.querySelectorAll("#rp-contacts tbody tr[data-contact]").length === 1 && !document.querySelector("#rp-more").hidden`)
	if focused := sup.js(`document.activeElement.id`); focused != "rp-drill-title" {
		t.Errorf("the focus is on %q after the drill-down, not on its title", focused)
	}
	sup.js(`document.querySelector("#rp-more").click(), "ok"`)
	sup.wait("the second page", `document.querySelectorAll("#rp-contacts tbody tr[data-contact]").length === 2 && document.querySelector("#rp-more").hidden`)
	ids := sup.js(`[...document.querySelectorAll("#rp-contacts tbody tr[data-contact]")].map((tr) => tr.dataset.contact).join(",")`)
	if want := fmt.Sprintf("%d,%d", qb.ContactID, qa.ContactID); ids != want {
		t.Errorf("the abandoned contacts listed: %s, want Bruno's then Alice's: %s", ids, want)
	}
	if txt := sup.js(`document.querySelector("#rp-contacts").textContent`); !strings.Contains(txt, "bruno@example.com") || !strings.Contains(txt, "Abandoned") {
		t.Errorf("the drill-down does not show the customers: %q", txt)
	}
	sup.shot("reports-drill-down")
	// Its CSV is the same search.
	csv := sup.js(fetchJS(`document.querySelector("#rp-drill-csv").href`))
	parts := strings.SplitN(csv, "|", 3)
	if len(parts) != 3 || parts[0] != "200" || !strings.HasPrefix(parts[1], "text/csv") {
		t.Fatalf("the drill-down's CSV: %.300s", csv)
	}
	lines := strings.Split(strings.TrimSpace(parts[2]), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "id,arrived_at") || !strings.HasPrefix(lines[1], strconv.FormatInt(qb.ContactID, 10)+",") {
		t.Errorf("the drill-down's CSV:\n%s", parts[2])
	}

	// A row's cell, from the keyboard: the answered contact of its hour.
	sup.js(`[...document.querySelectorAll("#rp-rows tbody [data-key=answered] button")][0].focus(), "ok"`)
	if err := chromedp.Do(sup.ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	sup.wait("Chloé's contact", fmt.Sprintf(`document.querySelectorAll("#rp-contacts tbody tr[data-contact]").length === 1 && !!document.querySelector('#rp-contacts tr[data-contact="%d"]')`, qc.ContactID))

	// The CSV link downloads the report shown.
	csv = sup.js(fetchJS(`document.querySelector("#rp-csv").href`))
	parts = strings.SplitN(csv, "|", 3)
	if len(parts) != 3 || parts[0] != "200" || !strings.HasPrefix(parts[1], "text/csv") {
		t.Fatalf("the report's CSV: %.300s", csv)
	}
	lines = strings.Split(strings.TrimSpace(parts[2]), "\n")
	if len(lines) != len(qr.Rows)+1 || !strings.HasPrefix(lines[0], "period,period_start,period_end,queue_id,queue,") {
		t.Errorf("the report's CSV has %d lines for %d rows:\n%s", len(lines), len(qr.Rows), parts[2])
	}
	// Clicking it saves the file.
	if got := sup.download("#rp-csv", "reportQueues.csv"); got != parts[2] {
		t.Errorf("the downloaded CSV differs from the link's response:\n%s\n---\n%s", got, parts[2])
	}
	if href := sup.js(`document.querySelector("#rp-csv").getAttribute("href")`); !strings.Contains(href, "/reports/queues?") || !strings.Contains(href, "format=csv") || !strings.Contains(href, "from="+day) {
		t.Errorf("the CSV link: %s", href)
	}

	// The tabs, with the arrow keys: agents.
	sup.js(`document.querySelector("#rp-tab-queues").focus(), "ok"`)
	if err := chromedp.Do(sup.ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	sup.wait("the agents report", `document.querySelector("#rp-tab-agents").getAttribute("aria-selected") === "true" && document.activeElement.id === "rp-tab-agents" && !!document.querySelector("#rp-rows tfoot [data-key=handled]")`)
	var ar struct {
		Rows  []reportRow `json:"rows"`
		Total reportRow   `json:"total"`
	}
	s.call(t, http.MethodGet, base+"/reports/agents?"+query, nil, &ar)
	// The total row is the server's (computed from the period's sums).
	for k, kind := range map[string]string{"handled": "count", "login_seconds": "secs", "occupancy": "pct", "aht_seconds": "secs"} {
		if got, w := sup.js(`document.querySelector("#rp-rows tfoot [data-key=`+k+`]").textContent`), onScreen(kind, ar.Total[k]); got != w {
			t.Errorf("agents total %s %q on screen, API %v", k, got, ar.Total[k])
		}
	}
	handled := 0.0
	for _, r := range ar.Rows {
		n, _ := r.num("handled")
		handled += n
	}
	if handled != 1 {
		t.Errorf("the agents report counts %v handled", handled)
	}
	if got := sup.js(`document.querySelector("#rp-rows tfoot [data-key=handled]").textContent`); got != onScreen("count", handled) {
		t.Errorf("handled on screen %q, API %v", got, handled)
	}
	for i, r := range ar.Rows {
		got := sup.table()[i].Cells
		for k, kind := range map[string]string{"handled": "count", "login_seconds": "secs", "busy_seconds": "secs", "occupancy": "pct", "aht_seconds": "secs"} {
			if w := onScreen(kind, r[k]); got[k] != w {
				t.Errorf("agents row %d: %s %q on screen, API %v", i, k, got[k], r[k])
			}
		}
	}
	// The filters the agents report does not apply are not offered.
	if shown := sup.js(`[...document.querySelectorAll(".rp-fields > .field[data-for]")].filter((f) => !f.hidden).map((f) => f.dataset.for).join(",")`); shown != "rp-preset,rp-from,rp-to,rp-group,rp-queue,rp-agent" {
		t.Errorf("the agents report offers the filters %s", shown)
	}
	sup.shot("reports-agents")

	// Announced waits.
	sup.js(`document.querySelector("#rp-tab-ewt").click(), "ok"`)
	sup.wait("the announced waits", `!!document.querySelector("#rp-chart-ewt-pos") && !!document.querySelector("#rp-positions")`)
	var er struct {
		Rows []reportRow `json:"rows"`
	}
	s.call(t, http.MethodGet, base+"/reports/ewt?"+query, nil, &er)
	told := 0.0
	for _, r := range er.Rows {
		n, _ := r.num("contacts")
		told += n
	}
	if got := sup.js(`document.querySelector("#rp-rows tfoot [data-key=contacts]")?.textContent ?? "none"`); len(er.Rows) > 0 && got != onScreen("count", told) {
		t.Errorf("contacts told a wait on screen %q, API %v", got, told)
	}
	sup.shot("reports-ewt")

	// Satisfaction: Chloé's 4 and her comment.
	sup.js(`document.querySelector("#rp-tab-satisfaction").click(), "ok"`)
	sup.wait("the satisfaction report", `!!document.querySelector("#rp-chart-csat") && !!document.querySelector("#rp-rows tfoot")`)
	var sr struct {
		Total    reportRow `json:"total"`
		Comments []struct {
			Comment string `json:"comment"`
		} `json:"comments"`
	}
	s.call(t, http.MethodGet, base+"/reports/satisfaction?"+query, nil, &sr)
	foot := sup.table()
	tot := foot[len(foot)-1].Cells
	dist, _ := sr.Total["distribution"].([]any)
	if tot["csat_responses"] != onScreen("count", sr.Total["csat_responses"]) || tot["csat_mean"] != onScreen("dec1", sr.Total["csat_mean"]) ||
		tot["response_rate"] != onScreen("pct", sr.Total["response_rate"]) || len(dist) != 5 || tot["score_4"] != onScreen("count", dist[3]) || tot["score_4"] != "1" {
		t.Errorf("satisfaction total on screen %v, API %v", tot, sr.Total)
	}
	if n := sup.js(`String(document.querySelectorAll("#rp-chart-csat rect").length)`); n != "1" {
		t.Errorf("the distribution chart draws %s bars for one score given", n)
	}
	if c := sup.js(`document.querySelector("#rp-comments")?.textContent ?? ""`); len(sr.Comments) != 1 || !strings.Contains(c, "Clear and quick.") {
		t.Errorf("comments: %q (API %v)", c, sr.Comments)
	}
	sup.js(`document.querySelector("#rp-defs summary").click(), "ok"`)
	sup.wait("the definitions", `document.querySelector("#rp-defs").open && document.querySelector("#def-csat").textContent === "Satisfaction"`)
	sup.shot("reports-satisfaction")

	// Sites.
	sup.js(`document.querySelector("#rp-tab-sites").click(), "ok"`)
	sup.wait("the sites report", `!!document.querySelector("#rp-countries")`)
	sup.shot("reports-sites")

	// The day's abandoned, to call back.
	sup.js(`document.querySelector("#rp-tab-abandoned").click(), "ok"`)
	sup.wait("the abandoned contacts", `document.querySelectorAll("#rp-abandoned tbody tr[data-contact]").length === 2`)
	if mail := sup.js(`[...document.querySelectorAll("#rp-abandoned a[href^=mailto]")].map((a) => a.textContent).join(",")`); mail != "bruno@example.com,alice@example.com" {
		t.Errorf("the abandoned contacts' e-mails: %q", mail)
	}
	if tel := sup.js(`document.querySelector("#rp-abandoned a[href^=tel]")?.getAttribute("href") ?? ""`); tel != "tel:+33612345678" {
		t.Errorf("Bruno's number: %q", tel)
	}
	sup.shot("reports-abandoned")

	// By day: a row's period ends at the next local midnight.
	sup.js(`document.querySelector("#rp-tab-queues").click(), "ok"`)
	sup.wait("the queues again", `!!document.querySelector("#rp-rows tfoot")`)
	sup.js(`(() => { const g = document.querySelector("#rp-group"); g.value = "day"; g.form.requestSubmit(); return "ok"; })()`)
	sup.wait("the day's row", fmt.Sprintf(`document.querySelector("#rp-rows tbody tr")?.dataset.period === %q`, day))
	sup.js(`document.querySelector("#rp-rows tbody [data-key=abandoned] button").click(), "ok"`)
	sup.wait("the day's abandoned, page 1", `document.querySelectorAll("#rp-contacts tbody tr[data-contact]").length === 1 && !document.querySelector("#rp-more").hidden`)
	sup.js(`document.querySelector("#rp-more").click(), "ok"`)
	sup.wait("the day's abandoned, page 2", `document.querySelectorAll("#rp-contacts tbody tr[data-contact]").length === 2 && document.querySelector("#rp-more").hidden && document.querySelector("#rp-drill-status").textContent === "2 contacts."`)

	// The presets, in the browser's calendar (this machine's).
	now := time.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.Local)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	firstOfMonth := today.AddDate(0, 0, 1-today.Day())
	for preset, want := range map[string][2]time.Time{
		"today": {today, today}, "yesterday": {today.AddDate(0, 0, -1), today.AddDate(0, 0, -1)},
		"this_week": {monday, today}, "last_week": {monday.AddDate(0, 0, -7), monday.AddDate(0, 0, -1)},
		"this_month": {firstOfMonth, today}, "last_month": {firstOfMonth.AddDate(0, -1, 0), firstOfMonth.AddDate(0, 0, -1)},
	} {
		got := sup.js(fmt.Sprintf(`(() => { const p = document.querySelector("#rp-preset"); p.value = %q; p.dispatchEvent(new Event("change"));
			return document.querySelector("#rp-from").value + "/" + document.querySelector("#rp-to").value; })()`, preset))
		if w := want[0].Format(time.DateOnly) + "/" + want[1].Format(time.DateOnly); got != w {
			t.Errorf("preset %s: %s, want %s", preset, got, w)
		}
	}
	sup.js(`(() => { const p = document.querySelector("#rp-preset"); p.value = "today"; p.dispatchEvent(new Event("change")); return "ok"; })()`)
	sup.js(fmt.Sprintf(`(() => { document.querySelector("#rp-from").value = %q; document.querySelector("#rp-to").value = %q; return "ok"; })()`, day, day))

	// A bad period: the API's refusal next to the field, in English.
	next := nextDate(t, day)
	sup.js(fmt.Sprintf(`(() => { const f = document.querySelector("#rp-from"); f.value = %q; f.dispatchEvent(new Event("input")); f.form.requestSubmit(); return "ok"; })()`, next))
	sup.wait("the error by the start date", `document.querySelector("#rp-from-error").textContent === "The start date is after the end date." && document.querySelector("#rp-from").getAttribute("aria-invalid") === "true" && document.activeElement.id === "rp-from"`)
	sup.shot("reports-error")

	// A platform admin (an API token kept for the tab, as the admin page
	// does) chooses the tenant.
	adm := newPerson(t, root, "platform admin")
	adm.open(s.base + "/")
	adm.js(fmt.Sprintf(`sessionStorage.setItem("plateau.api_token", %q), "ok"`, s.token))
	adm.open(fmt.Sprintf("%s/reports?tenant=%d&%s", s.base, f.tenant, query))
	adm.wait("the tenant picker", fmt.Sprintf(`document.querySelectorAll("#rp-tenant option").length >= 2 && document.querySelector("#rp-tenant").value === "%d" && !!document.querySelector("#rp-rows tfoot")`, f.tenant))
	if got := adm.js(`document.querySelector("#rp-rows tfoot [data-key=offered]").textContent`); got != onScreen("count", qr.Total["offered"]) {
		t.Errorf("the platform admin sees %q offered, the API %v", got, qr.Total["offered"])
	}
	// The CSV, fetched with the token (a plain link would carry no credential).
	if got := adm.download("#rp-csv", "reportQueues.csv"); strings.Count(got, "\n") != len(qr.Rows)+1 || !strings.HasPrefix(got, "period,") {
		t.Errorf("the platform admin's CSV:\n%s", got)
	}
	adm.js(fmt.Sprintf(`(() => { const s = document.querySelector("#rp-tenant"); s.value = "%d"; s.dispatchEvent(new Event("change")); return "ok"; })()`, f.other))
	waitFor(t, "the page of the other tenant", 20*time.Second, func() bool {
		loc, err := chromedp.Run(adm.ctx, chromedp.Location())
		return err == nil && strings.Contains(loc, fmt.Sprintf("tenant=%d", f.other))
	})
	adm.wait("the other tenant, same period", fmt.Sprintf(`new URLSearchParams(location.search).get("tenant") === "%d" && new URLSearchParams(location.search).get("from") === %q && document.querySelector("#rp-rows tbody td.muted")?.textContent === "No contact in this period."`, f.other, day))
	adm.shot("reports-platform-admin")

	// A French client viewer: its own tenant's reports in French, not
	// another's.
	frRoot := browser(t, chromedp.Flag("lang", "fr-FR"), chromedp.Flag("accept-lang", "fr-FR,fr"))
	v := newPerson(t, frRoot, "viewer")
	v.open(fmt.Sprintf("%s/reports?tenant=%d", s.base, f.other))
	v.signIn("viewer", f.password)
	v.wait("the refusal", `document.querySelector(".notice.error")?.textContent.includes("pas le droit")`)
	status := v.js(fmt.Sprintf(`fetch("/api/v1/tenants/%d/reports/queues?%s").then((r) => String(r.status))`, f.other, query))
	if status != "403" && status != "404" {
		t.Errorf("a client viewer reading another tenant's report: HTTP %s", status)
	}
	v.open(fmt.Sprintf("%s/reports?%s", s.base, query))
	v.wait("the French report", `document.documentElement.lang === "fr" && document.querySelector("#rp-tab-queues")?.textContent === "Files" && !!document.querySelector("#rp-rows tfoot")`)
	heads := v.js(`[...document.querySelectorAll("#rp-rows thead th")].map((th) => th.textContent).join("|")`)
	for _, want := range []string{"Présentés", "Traités", "Abandons", "Niveau de service", "Taux de décroché", "DMT"} {
		if !strings.Contains(heads, want) {
			t.Errorf("French headers lack %q: %s", want, heads)
		}
	}
	if lbl := v.js(`document.querySelector("label[for=rp-preset]").textContent + "|" + document.querySelector("#rp-preset").selectedOptions[0].textContent`); lbl != "Période|Dates au choix" {
		t.Errorf("the period picker in French: %q", lbl)
	}
	vt := v.table()
	if got, want := vt[len(vt)-1].Cells["offered"], onScreen("count", qr.Total["offered"]); got != want {
		t.Errorf("the viewer sees %q offered, the API %q", got, want)
	}
	// A French percentage: "66,7 %" style (a comma and a space).
	if sl := vt[len(vt)-1].Cells["answer_rate"]; !strings.Contains(sl, "\u00a0%") && !strings.Contains(sl, "\u202f%") {
		t.Errorf("the answer rate is not in French: %q", sl)
	}
	if n := v.js(`String(document.querySelectorAll("#rp-tenant").length)`); n != "0" {
		t.Errorf("a client viewer is offered a tenant picker")
	}
	v.shot("reports-fr-viewer")
	v.js(fmt.Sprintf(`(() => { const f = document.querySelector("#rp-from"); f.value = %q; f.form.requestSubmit(); return "ok"; })()`, next))
	v.wait("the French error", `document.querySelector("#rp-from-error").textContent === "La date de début est après la date de fin."`)
	// Too long at interval grouping: the error by the grouping.
	v.js(`(() => { document.querySelector("#rp-from").value = "2025-01-01"; document.querySelector("#rp-group").value = "interval"; document.querySelector("#rp-from").form.requestSubmit(); return "ok"; })()`)
	v.wait("the grouping's error", `document.querySelector("#rp-group-error").textContent.startsWith("Par quart d'heure") && document.querySelector("#rp-from-error").textContent === ""`)
	v.shot("reports-fr-error")
}

// download lets the person's browser save files into a fresh folder, clicks
// the element sel and returns the content of the file name it saved.
func (p *person) download(sel, name string) string {
	p.t.Helper()
	dir := p.t.TempDir()
	c := chromedp.FromContext(p.ctx)
	if _, err := chromedp.CallBrowser(p.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: c.BrowserContextID, DownloadPath: dir}); err != nil {
		p.t.Fatalf("%s: allow downloads: %v", p.name, err)
	}
	p.js(fmt.Sprintf(`document.querySelector(%q).click(), "ok"`, sel))
	var b []byte
	var saved []string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		saved, _ = filepath.Glob(filepath.Join(dir, "*"))
		var err error
		if b, err = os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			p.shot("failed-download")
			p.t.Fatalf("%s: no %s downloaded; the folder has %v", p.name, name, saved)
		}
	}
	if len(saved) != 1 {
		p.t.Errorf("%s: saved %v, want only %s", p.name, saved, name)
	}
	return string(b)
}

func nextDate(t *testing.T, day string) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	return d.AddDate(0, 0, 1).Format(time.DateOnly)
}

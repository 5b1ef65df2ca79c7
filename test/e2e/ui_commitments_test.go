package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The commitments report against a real `plateau demo --history 3`: the
// demo tenant has the default commitments, the seeded history gives them
// figures, and the printable page must show the API's figures for the
// month in French to a French client viewer, list the contacts behind a
// commitment, lay itself out for A4 when printed, and the admin page must
// edit the commitments (an error next to its field, the defaults restored).

type commitmentLine struct {
	Commitment struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Kind string `json:"kind"`
	} `json:"commitment"`
	Status      string   `json:"status"`
	Value       *float64 `json:"value"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Trend       []struct {
		Period string   `json:"period"`
		Status string   `json:"status"`
		Value  *float64 `json:"value"`
	} `json:"trend"`
	Drilldown struct {
		Contacts string `json:"contacts"`
	} `json:"drilldown"`
}

type commitmentsReport struct {
	Tenant      string           `json:"tenant"`
	Period      string           `json:"period"`
	Met         int              `json:"met"`
	Measured    int              `json:"measured"`
	Commitments []commitmentLine `json:"commitments"`
}

// frPercent formats a fraction as the page does in French (at most one
// decimal), spaces left out.
func frPercent(v *float64) string {
	if v == nil {
		return "\u2014"
	}
	return strings.ReplaceAll(strings.TrimSuffix(strconv.FormatFloat(math.Round(*v*1000)/10, 'f', 1, 64), ".0"), ".", ",") + "%"
}

var spaces = regexp.MustCompile(`[\s\x{202f}\x{a0}]+`)

func squeeze(s string) string { return spaces.ReplaceAllString(s, "") }

func TestUICommitmentsReport(t *testing.T) {
	t.Parallel()
	s := startDemo(t, "--data", t.TempDir(), "--history", "3")
	var tenants []struct {
		ID   int64  `json:"id"`
		Slug string `json:"slug"`
	}
	s.call(t, http.MethodGet, "/api/v1/tenants", nil, &tenants)
	var tid int64
	for _, x := range tenants {
		if x.Slug == "demo" {
			tid = x.ID
		}
	}
	base := fmt.Sprintf("/api/v1/tenants/%d", tid)
	var users []struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	s.call(t, http.MethodGet, base+"/users", nil, &users)
	for _, u := range users {
		if u.Login == "admin" {
			s.call(t, http.MethodPost, fmt.Sprintf("%s/users/%d/password", base, u.ID), map[string]string{"password": uiPassword}, nil)
		}
	}
	s.call(t, http.MethodPost, base+"/users", map[string]any{"login": "viewer", "display_name": "Client Viewer", "role": "client_viewer", "password": uiPassword}, nil)

	// The month of the seeded history, in Paris where the demo is.
	paris, _ := time.LoadLocation("Europe/Paris")
	period := time.Now().In(paris).Format("2006-01")
	var rep commitmentsReport
	s.call(t, http.MethodGet, base+"/commitments/report?period="+period, nil, &rep)
	if len(rep.Commitments) != 8 || rep.Measured < 5 {
		t.Fatalf("the demo's report: %d commitments, %d measured: %+v", len(rep.Commitments), rep.Measured, rep)
	}

	frRoot := browser(t, chromedp.Flag("lang", "fr-FR"), chromedp.Flag("accept-lang", "fr-FR,fr"))
	v := newPerson(t, frRoot, "client viewer")
	v.open(fmt.Sprintf("%s/commitments?period=%s", s.base, period))
	v.signIn("viewer", uiPassword)
	v.wait("the French report", fmt.Sprintf(`document.documentElement.lang === "fr" && document.querySelectorAll("#cm-table tbody tr").length === %d`, len(rep.Commitments)))

	// The header: the client, the center's sites, the month, in French.
	var head struct{ Title, Tenant, Centers, Summary, Defs, Print string }
	if err := json.Unmarshal([]byte(v.js(`JSON.stringify({ title: document.querySelector("#cm-title").textContent, tenant: document.querySelector("#cm-tenant").textContent,
		centers: document.querySelector("#cm-centers").textContent, summary: document.querySelector("#cm-summary").textContent,
		defs: document.querySelector(".cm-defs").textContent, print: document.querySelector("#cm-print").textContent })`)), &head); err != nil {
		t.Fatal(err)
	}
	month := map[time.Month]string{1: "janvier", 2: "février", 3: "mars", 4: "avril", 5: "mai", 6: "juin", 7: "juillet", 8: "août", 9: "septembre", 10: "octobre", 11: "novembre", 12: "décembre"}
	now := time.Now().In(paris)
	if want := fmt.Sprintf("Engagements de service — %s %d", month[now.Month()], now.Year()); head.Title != want {
		t.Errorf("title %q, want %q", head.Title, want)
	}
	if head.Tenant != rep.Tenant || !strings.Contains(head.Centers, "Paris (FR)") || !strings.Contains(head.Centers, "Télétravail (FR, télétravail)") {
		t.Errorf("client %q, center %q", head.Tenant, head.Centers)
	}
	if want := fmt.Sprintf("%d engagements tenus sur %d mesurés (8 publiés).", rep.Met, rep.Measured); head.Summary != want {
		t.Errorf("summary %q, want %q", head.Summary, want)
	}
	if !strings.Contains(head.Defs, "Niveau de service = contacts décrochés en Y secondes") || !strings.Contains(head.Defs, "Taux d'abandon = ") || head.Print != "Imprimer" {
		t.Errorf("definitions or buttons not in French: %q / %q", head.Defs, head.Print)
	}

	// Every figure on screen is the API's.
	type cells struct {
		ID     string            `json:"id"`
		Status string            `json:"status"`
		Cells  map[string]string `json:"cells"`
		Trend  []string          `json:"trend"`
	}
	var screen []cells
	if err := json.Unmarshal([]byte(v.js(`JSON.stringify([...document.querySelectorAll("#cm-table tbody tr")].map((tr) => ({ id: tr.dataset.id, status: tr.dataset.status,
		cells: Object.fromEntries([...tr.children].map((c) => [c.dataset.key, c.textContent])),
		trend: [...document.querySelectorAll('#cm-trend tbody tr[data-id="' + tr.dataset.id + '"] td')].map((c) => c.textContent) })))`)), &screen); err != nil {
		t.Fatal(err)
	}
	frStatus := map[string]string{"met": "Tenu", "not_met": "Non tenu", "no_data": "Pas de données"}
	for i, l := range rep.Commitments {
		row := screen[i]
		if row.ID != strconv.FormatInt(l.Commitment.ID, 10) || !strings.HasPrefix(row.Cells["name"], l.Commitment.Name) {
			t.Errorf("row %d: %s %q, API %d %q", i, row.ID, row.Cells["name"], l.Commitment.ID, l.Commitment.Name)
		}
		if !strings.HasSuffix(row.Cells["status"], frStatus[l.Status]) || row.Status != l.Status {
			t.Errorf("%s: status %q on screen, API %s", l.Commitment.Name, row.Cells["status"], l.Status)
		}
		value := squeeze(strings.SplitN(row.Cells["value"], "·", 2)[0])
		ratio := squeeze(row.Cells["ratio"])
		if l.Denominator == 0 {
			if value != "\u2014" || ratio != "\u2014" {
				t.Errorf("%s: no data, yet %q %q on screen", l.Commitment.Name, value, ratio)
			}
		} else if want := fmt.Sprintf("%d/%d", l.Numerator, l.Denominator); ratio != want || value != frPercent(l.Value) {
			t.Errorf("%s: %q %q on screen, API %s %s", l.Commitment.Name, value, ratio, want, frPercent(l.Value))
		}
		if len(row.Trend) != len(l.Trend)+1 {
			t.Errorf("%s: %d months in the trend, want %d", l.Commitment.Name, len(row.Trend), len(l.Trend)+1)
			continue
		}
		for k, tr := range l.Trend {
			if tr.Status == "no_data" && row.Trend[k] != "\u2014" || tr.Status != "no_data" && !strings.HasSuffix(squeeze(row.Trend[k]), frPercent(tr.Value)) {
				t.Errorf("%s: %s is %q on screen, API %s %v", l.Commitment.Name, tr.Period, row.Trend[k], tr.Status, tr.Value)
			}
		}
	}
	v.shot("commitments-fr")

	// The contacts behind the abandon rate: the API's shortfall.
	var abandon commitmentLine
	for _, l := range rep.Commitments {
		if l.Commitment.Kind == "abandon_rate" {
			abandon = l
		}
	}
	var sf struct {
		Total    int `json:"total"`
		Contacts []struct {
			ID int64 `json:"id"`
		} `json:"contacts"`
	}
	s.call(t, http.MethodGet, abandon.Drilldown.Contacts, nil, &sf)
	if int64(sf.Total) != abandon.Numerator {
		t.Errorf("the shortfall lists %d abandons, the report counts %d", sf.Total, abandon.Numerator)
	}
	v.js(fmt.Sprintf(`document.querySelector('#cm-table tr[data-id="%d"] [data-key=drill] button').click(), "ok"`, abandon.Commitment.ID))
	v.wait("the abandoned contacts", fmt.Sprintf(`document.querySelectorAll("#cm-contacts tbody tr[data-contact]").length === %d && document.activeElement.id === "cm-drill-title"`, len(sf.Contacts)))
	if len(sf.Contacts) > 0 {
		if first := v.js(`document.querySelector("#cm-contacts tbody tr[data-contact]").dataset.contact`); first != strconv.FormatInt(sf.Contacts[0].ID, 10) {
			t.Errorf("first contact %s on screen, API %d", first, sf.Contacts[0].ID)
		}
	}
	v.shot("commitments-drill-fr")

	// Printed: A4, without the page's controls, the header or the drill-down.
	if _, err := chromedp.Call(v.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if hidden := v.js(`["header.top", ".cm-controls", "#cm-drill", "#cm-table [data-key=drill]"].map((s) => getComputedStyle(document.querySelector(s)).display).join(",")`); hidden != "none,none,none,none" {
		t.Errorf("printed, the controls show: %s", hidden)
	}
	if err := chromedp.Do(v.ctx, chromedp.EmulateViewport(794, 1123)); err != nil { // A4 at 96 dpi
		t.Fatal(err)
	}
	v.shot("commitments-print")
	if err := chromedp.Do(v.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	yes := true
	printed, err := chromedp.Call(v.ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
	if err != nil {
		t.Fatal(err)
	}
	pdf := printed.Data
	// A4 is 595 × 842 points.
	if m := regexp.MustCompile(`/MediaBox \[0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)\]`).FindSubmatch(pdf); m == nil {
		t.Error("the printed report has no page size")
	} else if w, _ := strconv.ParseFloat(string(m[1]), 64); math.Abs(w-595) > 2 {
		t.Errorf("the printed page is %s × %s points, not A4", m[1], m[2])
	}
	if err := os.WriteFile(filepath.Join("..", "..", "test-artifacts", "commitments-print.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(v.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}
	// In English after the switch.
	v.js(`document.querySelector(".lang-switch").click(), "ok"`)
	v.wait("the English report", `document.documentElement.lang === "en" && document.querySelector("#cm-print").textContent === "Print" && document.querySelector("#cm-defs-title").textContent === "Definitions used"`)
	// A bad period is refused next to the field.
	v.js(`(() => { const p = document.querySelector("#cm-period"); p.type = "text"; p.value = "2026-13"; p.form.requestSubmit(); return "ok"; })()`)
	v.wait("the period error", `document.querySelector("#cm-period-error").textContent.includes("YYYY-MM") && document.querySelector("#cm-period").getAttribute("aria-invalid") === "true"`)

	// The admin page: the commitments, a bad target next to its field, the defaults restored.
	a := newPerson(t, browser(t), "admin")
	a.open(s.base + "/admin")
	a.signIn("admin", uiPassword)
	a.wait("the admin page", `!!document.querySelector(".admin-nav")`)
	if r := a.js(clickText(".admin-nav button", "Commitments")); r != "ok" {
		t.Fatalf("commitments section: %s", r)
	}
	a.wait("the commitments", `document.querySelector("#section-title")?.textContent === "Commitments" && document.querySelectorAll("table tbody tr").length === 8`)
	a.js(clickText(".section-head button", "New"))
	a.wait("the new commitment form", `!!document.querySelector("#f-target_pct") && !!document.querySelector("#f-queue_ids")`)
	a.js(`(() => { document.querySelector("#f-name").value = "Taux d'abandon sous 3 %"; document.querySelector("#f-kind").value = "abandon_rate";
		document.querySelector("#f-target_pct").value = "300"; document.querySelector("#f-seconds").value = "0"; document.querySelector(".admin-form").requestSubmit(); return "ok"; })()`)
	a.wait("the target error", `document.querySelector("#f-target_pct-error").textContent.includes("0 to 100") && document.querySelector("#f-target_pct").getAttribute("aria-invalid") === "true"`)
	a.shot("admin-commitment-error")
	a.js(`document.querySelector("#f-target_pct").value = "3", document.querySelector(".admin-form").requestSubmit(), "ok"`)
	a.wait("the created commitment", `document.querySelectorAll("table tbody tr").length === 9`)
	a.shot("admin-commitments")
	a.js(`window.confirm = () => true, document.querySelector("#cm-restore").click(), "ok"`)
	a.wait("the defaults restored", `document.querySelectorAll("table tbody tr").length === 8 && ![...document.querySelectorAll("table tbody td")].some((c) => c.textContent.includes("sous 3"))`)
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The workforce pages against a real `plateau demo` (its register of 40
// people over Paris, Rabat and homeshoring): the barometer and the
// palmarès for the platform admin, the same figures as the API, bad
// periods refused by the field, French; the register in the admin page,
// with a refused import that imports nothing and a form error by its
// field; and the supervisor kept out.

type barometerMonth struct {
	Month string `json:"month"`
	Total struct {
		Jobs  int `json:"jobs"`
		Hires int `json:"hires"`
		Exits int `json:"exits"`
	} `json:"total"`
}

func (p *person) tokenSignIn(token string) {
	p.t.Helper()
	p.wait("the token form", `!!document.querySelector("#signin-token")`)
	p.js(fmt.Sprintf(`(() => { document.querySelector("#signin-token").value = %q; document.querySelector("#signin-token").form.requestSubmit(); return "ok"; })()`, token))
}

func TestUIWorkforce(t *testing.T) {
	t.Parallel()
	// A day of played history: the agents' state history gives the
	// actual France share of paid hours.
	s := startDemo(t, "--data", t.TempDir(), "--history", "1")
	var tenants []struct {
		ID   int64  `json:"id"`
		Slug string `json:"slug"`
	}
	s.call(t, http.MethodGet, "/api/v1/tenants", nil, &tenants)
	var tenant int64
	for _, x := range tenants {
		if x.Slug == "demo" {
			tenant = x.ID
		}
	}
	var users []struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/users", tenant), nil, &users)
	for _, u := range users {
		if u.Login == "admin" || u.Login == "supervisor" {
			s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users/%d/password", tenant, u.ID), map[string]string{"password": uiPassword}, nil)
		}
	}
	s.call(t, http.MethodPost, "/api/v1/tenants", map[string]string{"slug": "other", "name": "Other Brand"}, nil)
	root := browser(t)
	now := time.Now()
	from, to := now.AddDate(0, -11, 0).Format("2006-01"), now.Format("2006-01")

	// The barometer: charts, and the table's figures are the API's.
	var bar struct {
		Months    []barometerMonth `json:"months"`
		Countries []string         `json:"countries"`
	}
	s.api(t, "/api/v1/workforce/barometer?from="+from+"&to="+to, &bar)
	if len(bar.Months) != 12 || len(bar.Countries) != 2 {
		t.Fatalf("barometer %+v", bar)
	}
	p := newPerson(t, root, "platform admin")
	p.open(s.base + "/barometer")
	p.tokenSignIn(s.token)
	p.wait("the barometer", `document.querySelectorAll("#bar-table tbody tr").length === 12 && document.querySelectorAll("#bar-jobs-country rect").length > 0`)
	var rows [][]string
	if err := json.Unmarshal([]byte(p.js(`JSON.stringify([...document.querySelectorAll("#bar-table tbody tr")].map((tr) => [...tr.children].map((c) => c.textContent)))`)), &rows); err != nil {
		t.Fatal(err)
	}
	for i, m := range bar.Months {
		want := []string{m.Month, strconv.Itoa(m.Total.Jobs), "", strconv.Itoa(m.Total.Hires), strconv.Itoa(m.Total.Exits)}
		if rows[i][0] != want[0] || rows[i][1] != want[1] || rows[i][3] != want[3] || rows[i][4] != want[4] {
			t.Errorf("month %d on screen %v, API %v", i, rows[i], want)
		}
	}
	// The provider's indicators over the same months.
	var pind struct {
		Jobs struct {
			Headcount int `json:"headcount"`
		} `json:"jobs"`
		Hires int `json:"hires"`
	}
	s.api(t, "/api/v1/workforce/indicators?from="+from+"-01&to="+now.Format(time.DateOnly), &pind)
	p.wait("the provider's indicators", `!!document.querySelector("#bar-indicators #wf-t-jobs")`)
	if got := p.js(`document.querySelector("#bar-indicators #wf-t-jobs .tile-value").textContent`); got != strconv.Itoa(pind.Jobs.Headcount) {
		t.Errorf("provider jobs on screen %s, API %d", got, pind.Jobs.Headcount)
	}
	if n := p.js(`String(document.querySelectorAll("#bar-flows rect").length)`); n == "0" {
		t.Error("no hires or exits drawn")
	}
	// The open data: no names, small counts "<5".
	open := p.js(`document.querySelector("#bar-open").textContent`)
	if !strings.Contains(open, "<5") || strings.Contains(open, "Camille") {
		t.Errorf("open data table: %s", open)
	}
	got := p.js(fetchJS(`"/api/v1/workforce/open-data?from=` + from + `&to=` + to + `", {headers: {Authorization: "Bearer ` + s.token + `"}}`))
	if !strings.HasPrefix(got, "200|text/csv") || !strings.Contains(got, "month,dimension,category,jobs,hires,exits") || strings.Contains(got, "Camille") {
		t.Errorf("open data CSV: %.300s", got)
	}
	p.shot("barometer")
	// A range the wrong way round is refused by the field.
	p.js(`(() => { document.querySelector("#bar-from").value = "2026-05"; document.querySelector("#bar-to").value = "2026-01"; document.querySelector("#bar-form").requestSubmit(); return "ok"; })()`)
	p.wait("the month error", `document.querySelector("#bar-from-error").textContent.includes("must not be after")`)
	p.shot("barometer-error")

	// The palmarès: the formula with its weights, the ranking as the API.
	var pal struct {
		Sites []struct {
			Site  string   `json:"site"`
			Rank  int      `json:"rank"`
			Score *float64 `json:"score"`
		} `json:"sites"`
	}
	pfrom, pto := now.AddDate(-1, 0, 1).Format(time.DateOnly), now.Format(time.DateOnly)
	s.api(t, "/api/v1/workforce/palmares?from="+pfrom+"&to="+pto, &pal)
	if len(pal.Sites) != 3 || pal.Sites[0].Score == nil {
		t.Fatalf("palmares %+v", pal)
	}
	p.open(s.base + "/palmares")
	p.wait("the palmarès", `document.querySelectorAll("#pal-sites tbody tr").length === 3 && !!document.querySelector("#pal-formula")`)
	if w := p.js(`[...document.querySelectorAll("#pal-formula tbody tr")].map((tr) => tr.dataset.crit + "=" + tr.children[1].textContent).join(" ")`); w != "localisation=25 permanent=20 training=15 turnover=15 commitments=15 fair_contracts=10" {
		t.Errorf("weights on the page: %s", w)
	}
	first := p.js(`[...document.querySelector("#pal-sites tbody tr").children].map((c) => c.textContent).join("|")`)
	wantScore := strconv.FormatFloat(*pal.Sites[0].Score, 'f', 1, 64)
	if !strings.HasPrefix(first, "1|"+pal.Sites[0].Site+" (") || !strings.HasSuffix(first, "|"+wantScore) || strings.Contains(first, "n/a") {
		t.Errorf("first site on screen %q, API %s %s", first, pal.Sites[0].Site, wantScore)
	}
	// Every criterion has its figures: the service commitments
	// (internal/commitment) and the contracts' terms (internal/billing) are
	// wired, so no "n/a" on the demo's first site.
	if na := p.js(`document.querySelector("#pal-formula").textContent`); strings.Contains(na, "service commitments are not wired") {
		t.Errorf("the page says the commitments are left out: %s", na)
	}
	p.shot("palmares")
	p.js(`(() => { document.querySelector("#pal-from").value = "2026-05-01"; document.querySelector("#pal-to").value = "2026-01-01"; document.querySelector("#pal-form").requestSubmit(); return "ok"; })()`)
	p.wait("the period error", `document.querySelector("#pal-from-error").textContent.includes("must not be after")`)
	// In French.
	p.js(`document.querySelector(".lang-switch").click(), "ok"`)
	p.open(s.base + "/palmares")
	p.wait("the French palmarès", `document.documentElement.lang === "fr" && document.querySelector("#pal-formula-title")?.textContent === "La formule" && document.querySelectorAll("#pal-sites tbody tr").length === 3`)
	p.shot("palmares-fr")
	p.js(`document.querySelector(".lang-switch").click(), "ok"`)

	// The register in the admin page (the demo's tenant admin).
	a := newPerson(t, root, "tenant admin")
	a.open(s.base + "/admin")
	a.signIn("admin", uiPassword)
	a.wait("the admin page", `!!document.querySelector(".admin-nav")`)
	a.js(clickText(".admin-nav button", "Workforce register"))
	a.wait("the register", `document.querySelectorAll("#wf-register tbody tr").length === 40 && !!document.querySelector("#wf-t-france-hires .tile-value")`)
	// The indicators are the API's, the actual paid hours from the played day.
	var ind struct {
		PaidHours struct {
			TotalHours  float64  `json:"total_hours"`
			FranceShare *float64 `json:"france_share"`
		} `json:"paid_hours"`
		Jobs struct {
			Headcount int `json:"headcount"`
		} `json:"jobs"`
	}
	s.api(t, fmt.Sprintf("/api/v1/tenants/%d/workforce/indicators?from=%d-01-01&to=%s", tenant, now.Year(), now.Format(time.DateOnly)), &ind)
	if ind.PaidHours.FranceShare == nil || ind.PaidHours.TotalHours == 0 {
		t.Errorf("no paid hours from the played day: %+v", ind.PaidHours)
	} else {
		want := onScreen("pct", *ind.PaidHours.FranceShare)
		a.wait("the actual France share", fmt.Sprintf(`document.querySelector("#wf-t-france-hours .tile-value").textContent === %q`, want))
	}
	if got := a.js(`document.querySelector("#wf-t-jobs .tile-value").textContent`); got != strconv.Itoa(ind.Jobs.Headcount) {
		t.Errorf("jobs tile %s, API %d", got, ind.Jobs.Headcount)
	}
	setFile := func(csv string) {
		a.js(fmt.Sprintf(`(() => { const dt = new DataTransfer(); dt.items.add(new File([%q], "register.csv", { type: "text/csv" }));
			document.querySelector("#wf-import-file").files = dt.files; document.querySelector("#wf-import").click(); return "ok"; })()`, csv))
	}
	setFile("ref,name,site,contract,fte,hire_date\nN001,Nouvelle Recrue,Paris,CDI,1,2026-01-05\nN002,Autre,Paris,CDD,-0.5,2026-01-05\n")
	a.wait("the refused import", `document.querySelector("#wf-import-error").textContent.includes("line 3, field fte")`)
	if n := a.js(`String(document.querySelectorAll("#wf-register tbody tr").length)`); n != "40" {
		t.Errorf("a refused file changed the register: %s rows", n)
	}
	a.shot("register-import-refused")
	setFile("ref,name,site,contract,fte,hire_date\nN001,Nouvelle Recrue,Rabat,CDI,0.8,2026-01-05\n")
	a.wait("the import", `document.querySelectorAll("#wf-register tbody tr").length === 41 && document.querySelector("#wf-import-result")?.textContent.includes("1 created")`)
	// The form: a hire after the exit is shown by the hire date.
	a.js(clickText(".section-head button", "New"))
	a.wait("the employee form", `!!document.querySelector("#wf-f-ref")`)
	a.js(`(() => { const v = (id, x) => (document.querySelector(id).value = x);
		v("#wf-f-ref", "N003"); v("#wf-f-name", "Test Person"); v("#wf-f-hire_date", "2026-03-01"); v("#wf-f-exit_date", "2026-02-01"); v("#wf-f-exit_reason", "resignation");
		document.querySelector("#wf-f-site_id").selectedIndex = 1; document.querySelector("#wf-form").requestSubmit(); return "ok"; })()`)
	a.wait("the hire date error", `document.querySelector("#wf-f-hire_date-error").textContent.includes("must not be after the exit date") && document.querySelector("#wf-f-hire_date").getAttribute("aria-invalid") === "true"`)
	a.shot("register-form-error")
	var emps []map[string]any
	s.api(t, fmt.Sprintf("/api/v1/tenants/%d/employees", tenant), &emps)
	if len(emps) != 41 {
		t.Errorf("%d employees, want 41", len(emps))
	}
	a.js(`window.scrollTo(0, 0), "ok"`)
	a.shot("register")

	// A supervisor sees neither the register nor the provider's figures.
	sup := newPerson(t, root, "supervisor")
	sup.open(s.base + "/barometer")
	sup.signIn("supervisor", uiPassword)
	sup.wait("the refusal", `document.querySelector(".notice.error")?.textContent === "The provider's figures are for platform admins only."`)
	code := sup.js(fetchJS(fmt.Sprintf(`"/api/v1/tenants/%d/employees"`, tenant)))
	if !strings.HasPrefix(code, "403|") {
		t.Errorf("the supervisor reads the register: %.200s", code)
	}
}

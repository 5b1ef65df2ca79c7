package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The billing pages against a real `plateau demo` with four days of past:
// the demo's contract and its issued invoice(s) are there on first run;
// an admin adds a contract version in the admin page's form (and sees a
// retroactive one refused next to its date); the client viewer opens the
// invoice page, drills into a line, reads it in French and prints it (A4,
// without the page's chrome).
func TestUIBilling(t *testing.T) {
	t.Parallel()
	s := startDemo(t, "--data", t.TempDir(), "--history", "4")
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
	var users []struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/users", tid), nil, &users)
	for _, u := range users {
		if u.Login == "admin" {
			s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users/%d/password", tid, u.ID), map[string]string{"password": uiPassword}, nil)
		}
	}
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users", tid),
		map[string]any{"login": "viewer", "display_name": "Client Viewer", "role": "client_viewer", "password": uiPassword}, nil)
	var invoices []struct {
		ID, TotalCents int64
		Number, Period string
	}
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/billing/invoices", tid), nil, &invoices)
	if len(invoices) == 0 {
		t.Fatal("the demo issued no invoice")
	}
	var inv struct {
		Number     string `json:"number"`
		TotalCents int64  `json:"total_cents"`
		Period     string `json:"period"`
		Revisions  []any  `json:"revisions"`
		Lines      []struct {
			Kind         string `json:"kind"`
			AmountCents  int64  `json:"amount_cents"`
			ServiceLevel *struct {
				Status      string `json:"status"`
				MeasuredPct string `json:"measured_pct"`
				AppliedBP   int64  `json:"applied_bp"`
			} `json:"service_level"`
		} `json:"lines"`
	}
	last := invoices[len(invoices)-1]
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/billing/invoices/%d", tid, last.ID), nil, &inv)
	if inv.Number != "PLT-000001" && len(invoices) == 1 || len(inv.Revisions) != 1 {
		t.Fatalf("the demo's invoice: %+v", inv)
	}

	var slText string // what the invoice page must say of the service-level line
	for _, l := range inv.Lines {
		if l.Kind == "service_level" {
			switch {
			case l.ServiceLevel.Status == "no_data":
				slText = "no data this month"
			case l.ServiceLevel.AppliedBP > 0:
				slText = "Service-level bonus"
			case l.ServiceLevel.AppliedBP < 0:
				slText = "Service-level penalty"
			default:
				slText = "neither bonus nor penalty"
			}
			if l.ServiceLevel.MeasuredPct != "" {
				slText += "|measured " + l.ServiceLevel.MeasuredPct + " %"
			}
		}
	}
	if slText == "" {
		t.Fatalf("the demo's invoice has no service-level line: %+v", inv.Lines)
	}

	root := browser(t)

	// The admin: the contracts section, a retroactive version refused, a
	// new one saved.
	admin := newPerson(t, root, "admin")
	admin.open(s.base + "/admin")
	admin.signIn("admin", uiPassword)
	admin.wait("the admin page", `!!document.querySelector(".admin-nav")`)
	if r := admin.js(clickText(".admin-nav button", "Contracts")); r != "ok" {
		t.Fatalf("contracts section: %s", r)
	}
	admin.wait("the contract form", `!!document.querySelector("#c-valid_from") && document.querySelectorAll(".admin-body tbody tr").length === 1`)
	retro := inv.Period + "-15"
	admin.js(fmt.Sprintf(`(() => { document.querySelector("#c-valid_from").value = %q; document.querySelector(".unit-price").value = "0.3900";
		document.querySelector("#c-valid_from").form.requestSubmit(); return "ok"; })()`, retro))
	admin.wait("the retroactive refusal", `document.querySelector("#c-valid_from-error").textContent.includes("invoiced")`)
	admin.shot("billing-contract-refused")
	next := time.Now().AddDate(0, 1, 0)
	from := fmt.Sprintf("%04d-%02d-01", next.Year(), next.Month())
	// The service-level clause comes prefilled from version 1 (the demo's:
	// tied to its calls answered within 20 s); a cap of 15 % is refused
	// next to the cap.
	if r := admin.js(`[document.querySelector("#c-sl").checked, document.querySelector("#c-sl_commitment").selectedOptions[0].textContent,
		document.querySelector("#c-sl_cap").value, document.querySelector(".sl-summary").textContent].join("|")`); !strings.HasPrefix(r, "true|") ||
		!strings.Contains(r, "|5.00|") || !strings.Contains(r, "cap ±5.00 %") {
		t.Errorf("the clause in the form: %s", r)
	}
	admin.js(fmt.Sprintf(`(() => { document.querySelector("#c-valid_from").value = %q; document.querySelector(".unit-price").value = "0.4400";
		document.querySelector("#c-minimum").value = "1600"; document.querySelector("#c-sl_cap").value = "15";
		document.querySelector("#c-valid_from").form.requestSubmit(); return "ok"; })()`, from))
	admin.wait("the cap refused", `document.querySelector("#c-sl_cap-error").textContent.includes("1000")`)
	admin.js(`(() => { document.querySelector("#c-sl_cap").value = "4"; document.querySelector("#c-sl_penalty").value = "0.5";
		document.querySelector("#c-valid_from").form.requestSubmit(); return "ok"; })()`)
	admin.wait("version 2", `document.querySelector("#contract-status").textContent.includes("Version 2") && document.querySelectorAll(".admin-body tbody tr").length === 2`)
	admin.shot("billing-contract-form")
	var versions []struct {
		Version             int    `json:"version"`
		ValidFrom           string `json:"valid_from"`
		MonthlyMinimumCents int64  `json:"monthly_minimum_cents"`
		ServiceLevel        *struct {
			CommitmentID      int64 `json:"commitment_id"`
			CapBP             int   `json:"cap_bp"`
			PenaltyBPPerPoint int   `json:"penalty_bp_per_point"`
		} `json:"service_level"`
		Units []struct {
			Price string `json:"price"`
		} `json:"units"`
	}
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/billing/contracts", tid), nil, &versions)
	if len(versions) != 2 || versions[1].ValidFrom != from || versions[1].Units[0].Price != "0.4400" || versions[1].MonthlyMinimumCents != 160000 ||
		versions[0].Units[0].Price != "0.4200" || versions[1].ServiceLevel == nil || versions[0].ServiceLevel == nil ||
		versions[1].ServiceLevel.CapBP != 400 || versions[1].ServiceLevel.PenaltyBPPerPoint != 50 ||
		versions[1].ServiceLevel.CommitmentID != versions[0].ServiceLevel.CommitmentID {
		t.Errorf("versions after the form: %+v", versions)
	}

	// The client viewer: the list, the invoice, a line's contacts.
	v := newPerson(t, root, "viewer")
	v.open(s.base + "/invoices")
	v.signIn("viewer", uiPassword)
	v.wait("the invoice list", `!!document.querySelector("#invoice-list")`)
	if v.js(`document.querySelector("#issue") === null ? "none" : "shown"`) != "none" {
		t.Error("the client viewer is offered to issue invoices")
	}
	if r := v.js(clickText("#invoice-list a", last.Number)); r != "ok" {
		t.Fatalf("open the invoice: %s", r)
	}
	v.wait("the invoice", `!!document.querySelector("#invoice .invoice-number")`)
	want := strings.NewReplacer("-", "").Replace(fmt.Sprintf("€%d.%02d", inv.TotalCents/100, inv.TotalCents%100))
	got := v.js(`document.querySelector("#total").textContent`)
	if strings.ReplaceAll(got, ",", "") != want {
		t.Errorf("total on screen %q, want %s", got, want)
	}
	body := v.js(`document.querySelector("#invoice").innerText`)
	for _, w := range append([]string{inv.Number, "Waiting not billed", "syntec revision", "Total incl. VAT", "Plateau Démo Services SAS",
		"Commitments report of the month"}, strings.Split(slText, "|")...) {
		if !strings.Contains(body, w) {
			t.Errorf("the invoice lacks %q:\n%s", w, body)
		}
	}
	if r := v.js(`document.querySelector(".sl-report").getAttribute("href")`); r != fmt.Sprintf("/commitments?tenant=%d&period=%s", tid, inv.Period) {
		t.Errorf("the service-level line's drill-down: %s", r)
	}
	if strings.Contains(inv.Lines[0].Kind, "usage") {
		v.js(`document.querySelector(".drill").click(), "ok"`)
		v.wait("the line's contacts", `document.querySelectorAll(".drill-row .drill-table tbody tr").length > 0`)
	}
	v.shot("billing-invoice-en")

	// In French, then as printed (A4: no header, no buttons).
	v.js(`localStorage.setItem("plateau.lang", "fr"), "ok"`)
	v.open(s.base + fmt.Sprintf("/invoices?tenant=%d&id=%d", tid, last.ID))
	v.wait("la facture", `!!document.querySelector("#invoice .invoice-number") && document.querySelector("#invoice h2").textContent === "Facture"`)
	body = v.js(`document.querySelector("#invoice").innerText`)
	for _, w := range []string{"Total TTC", "Attente non facturée", "révision syntec", "TVA 20,00 %", "niveau de service", "Rapport des engagements du mois"} {
		if !strings.Contains(strings.ToLower(body), strings.ToLower(w)) {
			t.Errorf("la facture n'a pas %q:\n%s", w, body)
		}
	}
	v.shot("billing-invoice-fr")
	if _, err := chromedp.Call(v.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if r := v.js(`[getComputedStyle(document.querySelector("header.top")).display, getComputedStyle(document.querySelector(".invoice-actions")).display].join(",")`); r != "none,none" {
		t.Errorf("printed, the page's chrome shows: %s", r)
	}
	v.shot("billing-invoice-print")
}

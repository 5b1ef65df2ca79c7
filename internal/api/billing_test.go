package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/plateau-cc/plateau/internal/billing"
	"github.com/plateau-cc/plateau/internal/model"
)

// billingRows are a fixture tenant's contract version and issued invoice.
type billingRows struct {
	contract, invoice int64
}

func sampleTerms() billing.Terms {
	return billing.Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, MonthlyMinimumCents: 100000,
		Units:  []billing.UnitPrice{{Unit: billing.UnitMinute, Price: 4250}},
		Client: billing.Party{Name: "Marque SA"}}
}

// billingFixture gives tenant tid a contract from 1 January 2026 and its
// January invoice (the clock is in March).
func (e *env) billingFixture(tid int64) billingRows {
	e.t.Helper()
	ctx := testCtx(e.t)
	b := billing.New(e.st, e.clock.Now)
	c, err := b.AddContract(ctx, tid, sampleTerms(), "fixture")
	if err != nil {
		e.t.Fatalf("fixture contract: %v", err)
	}
	inv, err := b.Issue(ctx, tid, "2026-01", "fixture")
	if err != nil {
		e.t.Fatalf("fixture invoice: %v", err)
	}
	return billingRows{contract: c.ID, invoice: inv.ID}
}

func billingSampleID(rt route, f fixture) int64 {
	if strings.Contains(rt.path, "/billing/contracts/") {
		return f.billing.contract
	}
	return f.billing.invoice
}

func billingSampleBody(rt route) (any, bool) {
	switch rt.in {
	case reflect.TypeFor[billing.Provider]():
		return billing.Provider{Party: billing.Party{Name: "Walk"}, Prefix: "W"}, true
	case reflect.TypeFor[billing.IndexValue]():
		return billing.IndexValue{Index: "syntec", Month: "2026-01", Value: "290.1"}, true
	case reflect.TypeFor[billing.Terms]():
		t := sampleTerms()
		t.ValidFrom = "2026-09-01"
		return t, true
	case reflect.TypeFor[IssueRequest]():
		return IssueRequest{Month: "2026-02"}, true
	case reflect.TypeFor[billing.CreditRequest]():
		return billing.CreditRequest{Reason: "walk"}, true
	}
	return nil, false
}

func TestBillingAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	tid := &a.tenant.ID
	base := fmt.Sprintf("/api/v1/tenants/%d/billing", a.tenant.ID)
	viewer := e.userCred(tid, "viewer", model.RoleClientViewer, nil)
	sup := e.userCred(tid, "sup", model.RoleSupervisor, nil)
	admin := e.userCred(tid, "admin2", model.RoleAdmin, nil)

	// The client viewer reads its invoices, its contract and the lines.
	var list []billing.Summary
	e.must(viewer, http.MethodGet, base+"/invoices", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].Number != "F-000002" && list[0].Number != "F-000001" {
		t.Fatalf("invoices %+v", list)
	}
	var inv billing.Invoice
	e.must(viewer, http.MethodGet, fmt.Sprintf("%s/invoices/%d", base, a.billing.invoice), nil, http.StatusOK, &inv)
	if inv.TotalHTCents != 100000 || inv.Lines[0].Kind != billing.LineMinimum || inv.Status != "issued" {
		t.Errorf("invoice %+v", inv)
	}
	e.must(viewer, http.MethodGet, base+"/contracts", nil, http.StatusOK, nil)
	// ...but issues nothing, previews nothing.
	wantError(t, e.do(viewer, http.MethodPost, base+"/invoices", IssueRequest{Month: "2026-02"}), http.StatusForbidden, CodeForbidden, "")
	wantError(t, e.do(viewer, http.MethodGet, base+"/preview", nil), http.StatusForbidden, CodeForbidden, "")
	wantError(t, e.do(viewer, http.MethodPost, base+"/contracts", sampleTerms()), http.StatusForbidden, CodeForbidden, "")
	// A supervisor does not read invoices.
	wantError(t, e.do(sup, http.MethodGet, base+"/invoices", nil), http.StatusForbidden, CodeForbidden, "")
	// Index values and the provider are the platform's.
	wantError(t, e.do(admin, http.MethodPost, "/api/v1/billing/index-values", billing.IndexValue{Index: "syntec", Month: "2026-01", Value: "1"}),
		http.StatusForbidden, CodeForbidden, "")

	// A discount within January, invoiced, is refused with its own code.
	retro := sampleTerms()
	retro.ValidFrom = "2026-01-20"
	retro.Units[0].Price = 3000
	wantError(t, e.do(admin, http.MethodPost, base+"/contracts", retro), http.StatusConflict, CodeRetroactive, "valid_from")
	bad := sampleTerms()
	bad.ValidFrom = "2026-04-01"
	bad.Units[0].Unit = "per_smile"
	wantError(t, e.do(admin, http.MethodPost, base+"/contracts", bad), http.StatusUnprocessableEntity, CodeValidationFailed, "units[0].unit")
	wantError(t, e.do(admin, http.MethodPost, base+"/contracts", rawBody(`{"valid_from":"2026-04-01","units":[{"unit":"handled_minute","price":0.42}],"client":{"name":"x"}}`)),
		http.StatusBadRequest, CodeBadJSON, "")
	wantError(t, e.do(admin, http.MethodPost, base+"/invoices", IssueRequest{Month: "2026-03"}), http.StatusUnprocessableEntity, CodeValidationFailed, "month")
	wantError(t, e.do(admin, http.MethodPost, base+"/invoices", IssueRequest{Month: "2026-01"}), http.StatusConflict, CodeConflict, "month")

	// Two requests at once for February: one issues, one is refused, and
	// the numbers have no gap.
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do(admin, http.MethodPost, base+"/invoices", IssueRequest{Month: "2026-02"}).Code
		}()
	}
	wg.Wait()
	if !(codes[0] == http.StatusOK && codes[1] == http.StatusConflict || codes[0] == http.StatusConflict && codes[1] == http.StatusOK) {
		t.Errorf("two issues at once: %v", codes)
	}
	seqs, err := e.st.ListAllInvoiceNumbers(testCtx(t))
	if err != nil || len(seqs) != 2 || seqs[0] != 1 || seqs[1] != 2 {
		t.Errorf("numbers %v (%v)", seqs, err)
	}

	// A credit note, then the accounting CSV of every line.
	var cn billing.Invoice
	e.must(admin, http.MethodPost, fmt.Sprintf("%s/invoices/%d/credit-notes", base, a.billing.invoice), billing.CreditRequest{Reason: "gesture", AmountCents: ptr(billing.Cents(5000))},
		http.StatusCreated, &cn)
	if cn.CreditsID == nil || *cn.CreditsID != a.billing.invoice || cn.TotalCents != -6000 {
		t.Errorf("credit note %+v", cn)
	}
	w := e.do(viewer, http.MethodGet, base+"/invoices?format=csv", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", w.Code, w.Body)
	}
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "number" || rows[3][1] != "credit_note" || rows[3][15] != "-50.00" {
		t.Errorf("CSV rows %q", rows)
	}
	var d billing.Details
	e.must(viewer, http.MethodGet, fmt.Sprintf("%s/invoices/%d/details?line=1", base, a.billing.invoice), nil, http.StatusOK, &d)
	wantError(t, e.do(viewer, http.MethodGet, fmt.Sprintf("%s/invoices/%d/details?line=9", base, a.billing.invoice), nil), http.StatusUnprocessableEntity, CodeValidationFailed, "line")
	var fair billing.Fairness
	e.must(viewer, http.MethodGet, base+"/fairness", nil, http.StatusOK, &fair)
	if fair.Fair || !fair.HasMinimum || fair.HasIndexation {
		t.Errorf("fairness %+v (no indexation clause: not fair)", fair)
	}
}

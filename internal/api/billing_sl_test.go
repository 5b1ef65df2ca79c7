package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/plateau-cc/plateau/internal/billing"
	"github.com/plateau-cc/plateau/internal/model"
)

// A contract's service-level clause over HTTP: another tenant's commitment
// is a 422 naming the field; the tenant's own is saved and its draft has
// the service-level line (no data: neither bonus nor penalty).
func TestBillingServiceLevelClause(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a, b := e.fixture("acme"), e.fixture("globex")
	admin := e.userCred(&a.tenant.ID, "admin2", model.RoleAdmin, nil)
	base := fmt.Sprintf("/api/v1/tenants/%d/billing", a.tenant.ID)
	mk := func(tid int64) model.Commitment {
		c, err := e.st.CreateCommitment(testCtx(t), tid, model.Commitment{Name: "calls in 20 s (clause)", Kind: model.CommitServiceLevel, TargetPct: 80, Seconds: 20})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	theirs, ours := mk(b.tenant.ID), mk(a.tenant.ID)
	terms := sampleTerms()
	terms.ValidFrom = "2026-04-01"
	terms.ServiceLevel = &billing.ServiceLevelClause{CommitmentID: theirs.ID, CapBP: 500, PenaltyBPPerPoint: 100}
	wantError(t, e.do(admin, http.MethodPost, base+"/contracts", terms), http.StatusUnprocessableEntity, CodeValidationFailed, "service_level.commitment_id")
	terms.ServiceLevel.CommitmentID = ours.ID
	var c billing.Contract
	e.must(admin, http.MethodPost, base+"/contracts", terms, http.StatusCreated, &c)
	if c.ServiceLevel == nil || c.ServiceLevel.CommitmentID != ours.ID {
		t.Fatalf("contract %+v", c)
	}
	var inv billing.Invoice
	e.must(admin, http.MethodGet, base+"/preview?month=2026-04", nil, http.StatusOK, &inv)
	var sl *billing.Line
	for i := range inv.Lines {
		if inv.Lines[i].Kind == billing.LineServiceLevel {
			sl = &inv.Lines[i]
		}
	}
	if sl == nil || sl.AmountCents != 0 || sl.ServiceLevel.Status != "no_data" || sl.ServiceLevel.CommitmentName != "calls in 20 s (clause)" || len(inv.Notes) != 1 {
		t.Errorf("April's draft: %+v", inv)
	}
}

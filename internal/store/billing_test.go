package store

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// An issued invoice cannot be changed or deleted, even by hand.
func TestIssuedInvoiceImmutable(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		ten, err := s.CreateTenant(ctx, model.Tenant{Slug: "imm", Name: "Imm"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.IssueInvoice(ctx, NewInvoice{TenantID: ten.ID, Kind: "invoice", Period: "2026-01", Currency: "EUR", IssuedAt: time.Now(),
			IssuedBy: "test", Document: func(string, int64) (string, error) { return "{}", nil }})
		if err != nil {
			t.Fatal(err)
		}
		if v.Number != "F-000001" {
			t.Errorf("number %q", v.Number)
		}
		if _, err := s.conn().exec(ctx, "UPDATE billing_invoices SET total_cents = 1 WHERE id = ?", v.ID); err == nil {
			t.Error("an issued invoice was updated")
		}
		if _, err := s.conn().exec(ctx, "DELETE FROM billing_invoices WHERE id = ?", v.ID); err == nil {
			t.Error("an issued invoice was deleted")
		}
		// A stale computation takes no number.
		if _, err := s.IssueInvoice(ctx, NewInvoice{TenantID: ten.ID, Kind: "invoice", Period: "2026-02", Currency: "EUR", IssuedAt: time.Now(),
			IssuedBy: "test", Basis: 0, Document: func(string, int64) (string, error) { return "{}", nil }}); err == nil {
			t.Error("a stale issue succeeded")
		}
		p, err := s.GetBillingProvider(ctx)
		if err != nil || p.NextNumber != 2 {
			t.Errorf("next number %d (%v), want 2", p.NextNumber, err)
		}
	})
}

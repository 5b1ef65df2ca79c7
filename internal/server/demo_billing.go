package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/billing"
	"github.com/plateau-cc/plateau/internal/commitment"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// seedDemoBilling gives the demo tenant a contract (per handled minute,
// a monthly minimum, a Syntec revision in the middle of the last month
// over) and issues the invoices of the months its past covers that are
// over, so the invoice page shows a real invoice on first run. The index
// values are made up for the demo, not the published ones.
func seedDemoBilling(ctx context.Context, st *store.Store, tenant model.Tenant, from, now time.Time) error {
	loc, err := time.LoadLocation(demoZone)
	if err != nil {
		return err
	}
	b := billing.New(st, func() time.Time { return now }).WithCommitments(billing.CommitmentReader{St: st, Eval: &commitment.Evaluator{St: st}})
	if _, err := b.SetProvider(ctx, billing.Provider{Prefix: "PLT", Party: billing.Party{
		Name: "Plateau Démo Services SAS", Address: "10 rue de la Démo, 59000 Lille, France",
		VATNumber: "FR00999999999", Registration: "SIRET 999 999 999 00011 (demo)", Email: "facturation@plateau.example"}}); err != nil {
		return fmt.Errorf("demo billing: provider: %w", err)
	}
	l := now.In(loc)
	thisMonth := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	last := thisMonth.AddDate(0, -1, 0) // the last month over
	first := time.Date(from.In(loc).Year(), from.In(loc).Month(), 1, 0, 0, 0, 0, loc)
	if !first.Before(thisMonth) {
		first = last
	}
	// The revision falls in the middle of the past's part of the last month.
	start := last
	if from.After(start) && from.Before(thisMonth) {
		start = from
	}
	mid := start.Add(thisMonth.Sub(start) / 2).In(loc)
	if mid.Day() == 1 {
		mid = mid.AddDate(0, 0, 1)
	}
	if mid.Month() == time.February && mid.Day() == 29 {
		mid = mid.AddDate(0, 0, -1)
	}
	// Signed the day after the revision's date a year before: its first
	// yearly revision is mid. S0 is the index three months before the
	// signature, S1 the same month a year later.
	validFrom := mid.AddDate(-1, 0, 1)
	baseMonth := time.Date(validFrom.Year(), validFrom.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -3, 0)
	base := baseMonth.Format("2006-01")
	for month, value := range map[string]string{base: "281.4", baseMonth.AddDate(1, 0, 0).Format("2006-01"): "290.7"} {
		if _, err := b.SetIndexValue(ctx, billing.IndexValue{Index: "syntec", Month: month, Value: value}); err != nil {
			return fmt.Errorf("demo billing: index: %w", err)
		}
	}
	terms := billing.Terms{ValidFrom: validFrom.Format(time.DateOnly), TimeZone: demoZone, VATRateBP: 2000,
		Units:               []billing.UnitPrice{{Unit: billing.UnitMinute, Price: 4200}},
		MonthlyMinimumCents: 150000,
		Indexation:          &billing.Indexation{Index: "syntec", BaseMonth: base, Anniversary: mid.Format("01-02")},
		Client: billing.Party{Name: tenant.Name, Address: "25 avenue des Clients, 69002 Lyon, France", VATNumber: "FR00888888888",
			Email: "comptabilite@demo.example"},
		Reference: "Contrat de prestation relation client n° DEMO-2025"}
	// The service-level clause: the default set's service level on chats
	// (the demo's past is chats: its calls need the SIP server), 1 % of
	// the usage per point below the target, 0.25 % per point above it, at
	// most ±5 %.
	list, err := st.ListCommitments(ctx, tenant.ID)
	if err != nil {
		return fmt.Errorf("demo billing: commitments: %w", err)
	}
	for _, c := range list {
		if c.Kind == model.CommitServiceLevel && c.Channel == model.ChannelChat {
			terms.ServiceLevel = &billing.ServiceLevelClause{CommitmentID: c.ID, CapBP: 500, PenaltyBPPerPoint: 100, BonusBPPerPoint: 25}
			break
		}
	}
	if _, err := b.AddContract(ctx, tenant.ID, terms, "demo"); err != nil {
		return fmt.Errorf("demo billing: contract: %w", err)
	}
	for m := first; m.Before(thisMonth); m = m.AddDate(0, 1, 0) {
		_, err := b.Issue(ctx, tenant.ID, m.Format("2006-01"), "demo")
		var re *billing.RefusedError
		if errors.As(err, &re) && re.Kind == billing.RefusedNoContract {
			continue // a long past begins before the contract
		}
		if err != nil {
			return fmt.Errorf("demo billing: invoice of %s: %w", m.Format("2006-01"), err)
		}
	}
	return nil
}

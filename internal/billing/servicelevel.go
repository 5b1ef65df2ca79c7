package billing

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/plateau-cc/plateau/internal/commitment"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// Commitments is what a service-level clause reads: the tenant's
// commitment (store.ErrNotFound for one that is not the tenant's) and its
// result over a month. CommitmentReader is the one plateau serve wires.
type Commitments interface {
	GetCommitment(ctx context.Context, tenantID, id int64) (model.Commitment, error)
	Evaluate(ctx context.Context, tenantID int64, c model.Commitment, period string) (commitment.Result, error)
}

// CommitmentReader reads the commitments from the store and evaluates
// them with the commitments' evaluator (as their report does).
type CommitmentReader struct {
	St interface {
		GetCommitment(ctx context.Context, tenantID, id int64) (model.Commitment, error)
	}
	Eval *commitment.Evaluator
}

// GetCommitment returns the tenant's commitment id.
func (r CommitmentReader) GetCommitment(ctx context.Context, tenantID, id int64) (model.Commitment, error) {
	return r.St.GetCommitment(ctx, tenantID, id)
}

// Evaluate is the commitment's result over period (YYYY-MM).
func (r CommitmentReader) Evaluate(ctx context.Context, tenantID int64, c model.Commitment, period string) (commitment.Result, error) {
	return r.Eval.Evaluate(ctx, tenantID, c, period)
}

// ServiceLevelLine details an invoice's service-level line: the
// commitment, its target, the month's measured value, the rule and the
// percentage applied to the base (the month's usage lines).
type ServiceLevelLine struct {
	CommitmentID   int64  `json:"commitment_id"`
	CommitmentName string `json:"commitment_name"`
	Kind           string `json:"kind"`
	// Comparison is ">=" (met at or above the target) or "<=" (the abandon rate).
	Comparison string `json:"comparison"`
	// TargetPct and MeasuredPct are percentages to two decimals;
	// MeasuredPct is empty without data.
	TargetPct   string `json:"target_pct"`
	MeasuredPct string `json:"measured_pct,omitempty"`
	Numerator   int64  `json:"numerator"`
	Denominator int64  `json:"denominator"`
	// Status is the commitment's: met, not_met or no_data.
	Status            string `json:"status"`
	PenaltyBPPerPoint int    `json:"penalty_bp_per_point"`
	BonusBPPerPoint   int    `json:"bonus_bp_per_point"`
	CapBP             int    `json:"cap_bp"`
	// RuleBP is the percentage the rule gives (basis points, rounded),
	// AppliedBP the one applied (capped at ±CapBP), Capped whether the
	// cap cut it.
	RuleBP    int64 `json:"rule_bp"`
	AppliedBP int64 `json:"applied_bp"`
	Capped    bool  `json:"capped"`
	// BaseCents is the sum of the usage lines BaseLines of the month.
	BaseCents Cents `json:"base_cents"`
	BaseLines []int `json:"base_lines"`
	// Report is the commitments' report page of the month; Contacts the
	// API of the contacts that count against the commitment.
	Report   string `json:"report"`
	Contacts string `json:"contacts"`
}

// checkClause refuses a clause whose commitment is not the tenant's.
func (b *Biller) checkClause(ctx context.Context, tenantID int64, sl *ServiceLevelClause) error {
	if sl == nil {
		return nil
	}
	if b.cm == nil {
		return invalid("service_level", "the commitments are not available here: leave the service-level clause out")
	}
	c, err := b.cm.GetCommitment(ctx, tenantID, sl.CommitmentID)
	if errors.Is(err, store.ErrNotFound) {
		return invalid("service_level.commitment_id", "commitment %d is not one of this tenant's commitments", sl.CommitmentID)
	}
	if err != nil {
		return fmt.Errorf("read commitment %d: %w", sl.CommitmentID, err)
	}
	if c.Kind == model.CommitSatisfaction {
		return invalid("service_level.commitment_id", "commitment %d (satisfaction) has two thresholds, a rate and a mean: tie the clause to a commitment measured by one share", c.ID)
	}
	return nil
}

// slLowers reports whether next's clause can bill less than prev's: a
// penalty added or raised, a bonus removed or lowered, a higher cap.
func slLowers(prev, next *ServiceLevelClause) bool {
	var p, n ServiceLevelClause
	if prev != nil {
		p = *prev
	}
	if next != nil {
		n = *next
	}
	if prev != nil && next != nil && p.CommitmentID != n.CommitmentID {
		return true
	}
	if n.PenaltyBPPerPoint > p.PenaltyBPPerPoint || n.BonusBPPerPoint < p.BonusBPPerPoint {
		return true
	}
	return n.CapBP > p.CapBP && n.PenaltyBPPerPoint > 0
}

// slRule is the percentage (basis points, rounded half away from zero)
// the clause gives for num/den against targetBP (hundredths of a percent),
// before the cap: (measured − target) in points × the bonus rate when at
// or beyond the target, × the penalty rate when short of it; the gap is
// reversed for a commitment met at or below its target.
func slRule(sl ServiceLevelClause, higherIsBetter bool, num, den, targetBP int64) int64 {
	// gap in hundredths of a point = (num × 10000 − target × den) / den.
	gap := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(num), big.NewInt(10_000)), new(big.Int).Mul(big.NewInt(targetBP), big.NewInt(den)))
	if !higherIsBetter {
		gap.Neg(gap)
	}
	rate := sl.BonusBPPerPoint
	if gap.Sign() < 0 {
		rate = sl.PenaltyBPPerPoint
	}
	return divRound(gap.Mul(gap, big.NewInt(int64(rate))), big.NewInt(100*den))
}

// serviceLevelLines adds the month's service-level lines: for each clause
// of the versions priced in the month, one line on the usage lines of
// those versions.
func serviceLevelLines(ctx context.Context, cm Commitments, inv *Invoice, versions []Contract, month string) error {
	byVersion := map[int]*ServiceLevelClause{}
	for _, v := range versions {
		byVersion[v.Version] = v.ServiceLevel
	}
	type group struct {
		clause ServiceLevelClause
		base   Cents
		lines  []int
	}
	var groups []*group
	find := func(sl ServiceLevelClause) *group {
		for _, x := range groups {
			if x.clause == sl {
				return x
			}
		}
		return nil
	}
	// A clause of a version priced in the month has its line, even
	// without usage (it then says so: no data, or a zero base).
	for _, v := range inv.ContractVersions {
		if sl := byVersion[v]; sl != nil && find(*sl) == nil {
			groups = append(groups, &group{clause: *sl, lines: []int{}})
		}
	}
	for _, l := range inv.Lines {
		sl := byVersion[l.ContractVersion]
		if l.Kind != LineUsage || l.Period != month || sl == nil {
			continue
		}
		g := find(*sl)
		if g == nil {
			continue
		}
		g.base += l.AmountCents
		g.lines = append(g.lines, l.No)
	}
	for _, g := range groups {
		if cm == nil {
			return refuse(RefusedInvalid, "service_level", "the contract has a service-level clause but the commitments are not available here")
		}
		sl := g.clause
		d := &ServiceLevelLine{CommitmentID: sl.CommitmentID, PenaltyBPPerPoint: sl.PenaltyBPPerPoint, BonusBPPerPoint: sl.BonusBPPerPoint,
			CapBP: sl.CapBP, BaseCents: g.base, BaseLines: g.lines, Status: commitment.StatusNoData,
			Report:   fmt.Sprintf("/commitments?period=%s", month),
			Contacts: fmt.Sprintf("/api/v1/tenants/%d/commitments/%d/contacts?period=%s", inv.TenantID, sl.CommitmentID, month)}
		c, err := cm.GetCommitment(ctx, inv.TenantID, sl.CommitmentID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.CommitmentName = fmt.Sprintf("commitment %d (deleted)", sl.CommitmentID)
			inv.Notes = append(inv.Notes, fmt.Sprintf("Service level: commitment %d no longer exists: neither bonus nor penalty for %s.", sl.CommitmentID, month))
		case err != nil:
			return fmt.Errorf("read commitment %d for the service-level clause: %w", sl.CommitmentID, err)
		default:
			d.CommitmentName, d.Kind, d.Comparison = c.Name, string(c.Kind), ">="
			if !c.HigherIsBetter() {
				d.Comparison = "<="
			}
			targetBP := int64(math.Round(c.TargetPct * 100))
			d.TargetPct = formatFixed(targetBP, 2)
			res, err := cm.Evaluate(ctx, inv.TenantID, c, month)
			if err != nil {
				return fmt.Errorf("evaluate commitment %d over %s: %w", c.ID, month, err)
			}
			d.Status, d.Numerator, d.Denominator = res.Status, res.Numerator, res.Denominator
			switch {
			case res.Status == commitment.StatusNoData || res.Denominator <= 0:
				d.Status = commitment.StatusNoData
				inv.Notes = append(inv.Notes, fmt.Sprintf("Service level: no data for %s (%s): neither bonus nor penalty.", month, c.Name))
			case c.Kind == model.CommitSatisfaction:
				inv.Notes = append(inv.Notes, fmt.Sprintf("Service level: %s is a satisfaction commitment (two thresholds): neither bonus nor penalty.", c.Name))
			default:
				d.MeasuredPct = formatFixed(RoundDiv(res.Numerator, 10_000, res.Denominator), 2)
				d.RuleBP = slRule(sl, c.HigherIsBetter(), res.Numerator, res.Denominator, targetBP)
				d.AppliedBP = max(-int64(sl.CapBP), min(int64(sl.CapBP), d.RuleBP))
				d.Capped = d.AppliedBP != d.RuleBP
			}
		}
		amount := Cents(RoundDiv(int64(g.base), d.AppliedBP, 10_000))
		inv.Lines = append(inv.Lines, Line{No: len(inv.Lines) + 1, Kind: LineServiceLevel, Period: month, From: inv.PeriodStart, To: inv.PeriodEnd,
			Quantity: 1, UnitPrice: Price(int64(amount) * priceToCent), AmountCents: amount, Label: slLabel(d, amount), ServiceLevel: d})
	}
	return nil
}

// slLabel is the line's English label.
func slLabel(d *ServiceLevelLine, amount Cents) string {
	what := "Service level: neither bonus nor penalty"
	switch {
	case amount > 0 || d.AppliedBP > 0:
		what = "Service-level bonus"
	case amount < 0 || d.AppliedBP < 0:
		what = "Service-level penalty"
	}
	measured := "no data"
	if d.MeasuredPct != "" {
		measured = d.MeasuredPct + " %"
	}
	target := ""
	if d.TargetPct != "" {
		target = fmt.Sprintf(", target %s %s %%", d.Comparison, d.TargetPct)
	}
	capped := ""
	if d.Capped {
		capped = " (capped)"
	}
	sign := ""
	if d.AppliedBP > 0 {
		sign = "+"
	}
	return fmt.Sprintf("%s: %s%s, measured %s: %s%s %%%s of %s", what, d.CommitmentName, target, measured, sign, formatFixed(d.AppliedBP, 2), capped, d.BaseCents)
}

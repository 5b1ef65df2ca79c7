package billing

import (
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/commitment"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// slLine returns the invoice's service-level line.
func slLine(t *testing.T, inv Invoice) Line {
	t.Helper()
	for _, l := range inv.Lines {
		if l.Kind == LineServiceLevel {
			return l
		}
	}
	t.Fatalf("%s has no service-level line: %+v", inv.Period, inv.Lines)
	return Line{}
}

func fieldOf(err error) string {
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return ve.Field
	}
	var re *RefusedError
	if errors.As(err, &re) {
		return re.Field
	}
	return ""
}

// A contract's service-level clause over three months, the commitment
// measured by the commitments' evaluator from the rollups: met (bonus),
// missed (penalty, capped), no data; late data after issue; a refused
// retroactive change of the clause; another tenant's commitment refused.
func TestServiceLevelBonusPenalty(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := testCtx(t)
		w := newWorld(t, st, "sla")
		w.b.WithCommitments(CommitmentReader{St: st, Eval: &commitment.Evaluator{St: st}})
		cm, err := st.CreateCommitment(ctx, w.tenant, model.Commitment{Name: "80 % des appels décrochés en 20 s", Kind: model.CommitServiceLevel,
			TargetPct: 80, Seconds: 20, Channel: voice})
		w.must("commitment", err)
		rollup := func() {
			_, err := report.NewUpkeep(st, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, 100).Drain(ctx)
			w.must("roll up", err)
		}
		// n calls on day d of the month: the first `fast` answered after
		// 10 s, the others after 30 s; 10 min talk each, billed.
		calls := func(month string, n, fast int) {
			for i := range n {
				q := 30.0
				if i < fast {
					q = 10
				}
				at := utc(month + "-10 09:00:00").Add(time.Duration(i) * time.Hour)
				w.contact(voice, at, seg{model.SegQueued, q, false}, seg{model.SegConnected, 600, true})
			}
		}

		// Another tenant's commitment is refused, naming the field.
		other := newWorld(t, st, "sla-other")
		ocm, err := st.CreateCommitment(ctx, other.tenant, model.Commitment{Name: "autre", Kind: model.CommitServiceLevel, TargetPct: 80, Seconds: 20})
		w.must("other's commitment", err)
		terms := Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 5000,
			Units:        []UnitPrice{{Unit: UnitMinute, Price: 4250}},
			ServiceLevel: &ServiceLevelClause{CommitmentID: ocm.ID, CapBP: 500, PenaltyBPPerPoint: 100, BonusBPPerPoint: 25}}
		if _, err := w.b.AddContract(ctx, w.tenant, terms, "test"); fieldOf(err) != "service_level.commitment_id" {
			t.Errorf("another tenant's commitment: %v (field %q)", err, fieldOf(err))
		}
		sl := *terms.ServiceLevel
		sl.CapBP = 1500
		terms.ServiceLevel = &sl
		if _, err := w.b.AddContract(ctx, w.tenant, terms, "test"); fieldOf(err) != "service_level.cap_bp" {
			t.Errorf("a cap of 15 %%: %v", err)
		}
		terms.ServiceLevel = &ServiceLevelClause{CommitmentID: cm.ID, CapBP: 500, PenaltyBPPerPoint: 100, BonusBPPerPoint: 25}
		w.contract(terms)

		// February: 9 of 10 within 20 s = 90.00 %, 10 points above 80:
		// 10 × 25 bp = +2.50 % of the usage 42.50 (100 min at 0.4250)
		// = 1.0625 → +1.06. The top-up to the minimum (50.00) is 7.50, not
		// in the base. HT 42.50 + 7.50 + 1.06 = 51.06, VAT 10.212 → 10.21.
		calls("2026-02", 10, 9)
		rollup()
		feb := w.issue("2026-02")
		wantLine(t, feb, 1, LineUsage, UnitMinute, voice, 6_000_000, 4250, 4250)
		wantLine(t, feb, 2, LineMinimum, "", "", 1, 750*100, 750)
		wantLine(t, feb, 3, LineServiceLevel, "", "", 1, 106*100, 106)
		d := slLine(t, feb).ServiceLevel
		if d.Status != commitment.StatusMet || d.TargetPct != "80.00" || d.MeasuredPct != "90.00" || d.RuleBP != 250 || d.AppliedBP != 250 ||
			d.Capped || d.BaseCents != 4250 || len(d.BaseLines) != 1 || d.BaseLines[0] != 1 || d.CommitmentID != cm.ID ||
			d.Report != "/commitments?period=2026-02" || !strings.HasSuffix(d.Contacts, "/commitments/"+itoa(cm.ID)+"/contacts?period=2026-02") {
			t.Errorf("February's clause: %+v", d)
		}
		if l := slLine(t, feb).Label; !strings.HasPrefix(l, "Service-level bonus: 80 % des appels") || !strings.Contains(l, "measured 90.00 %: +2.50 %") {
			t.Errorf("February's label %q", l)
		}
		if feb.TotalHTCents != 5106 || feb.VATCents != 1021 || feb.TotalCents != 6127 {
			t.Errorf("February's totals %d + %d = %d, want 5106 + 1021 = 6127", feb.TotalHTCents, feb.VATCents, feb.TotalCents)
		}

		// A contact of February stored after its invoice (answered after
		// 60 s: February would now be 9/11 = 81.82 %): February's invoice
		// keeps its bonus; March bills the late minutes as an adjustment,
		// with no bonus or penalty on them.
		w.contact(voice, utc("2026-02-20 09:00:00"), seg{model.SegQueued, 60, false}, seg{model.SegConnected, 600, true})
		// March: 7 of 10 = 70.00 %, 10 points short: 10 × 100 bp = −10 %,
		// capped at −5.00 %: 42.50 × −0.05 = −2.125 → −2.13 (half away
		// from zero).
		calls("2026-03", 10, 7)
		rollup()
		mar := w.issue("2026-03")
		wantLine(t, mar, 1, LineUsage, UnitMinute, voice, 6_000_000, 4250, 4250)
		wantLine(t, mar, 2, LineMinimum, "", "", 1, 750*100, 750)
		wantLine(t, mar, 3, LineServiceLevel, "", "", 1, -213*100, -213)
		wantLine(t, mar, 4, LineAdjustment, UnitMinute, voice, 600_000, 4250, 425)
		wantLine(t, mar, 5, LineMinimumAdjustment, "", "", 1, -425*100, -425)
		d = slLine(t, mar).ServiceLevel
		if d.Status != commitment.StatusNotMet || d.MeasuredPct != "70.00" || d.RuleBP != -1000 || d.AppliedBP != -500 || !d.Capped || d.BaseCents != 4250 {
			t.Errorf("March's clause: %+v", d)
		}
		if l := slLine(t, mar).Label; !strings.HasPrefix(l, "Service-level penalty") || !strings.Contains(l, "-5.00 % (capped) of 42.50") {
			t.Errorf("March's label %q", l)
		}
		if len(mar.Lines) != 5 || mar.TotalHTCents != 4250+750-213+425-425 {
			t.Errorf("March: %d lines, HT %d: %+v", len(mar.Lines), mar.TotalHTCents, mar.Lines)
		}
		again, err := w.b.Invoice(ctx, w.tenant, feb.ID)
		w.must("February again", err)
		if slLine(t, again).AmountCents != 106 || again.TotalHTCents != 5106 {
			t.Errorf("February changed after issue: %+v", again.Lines)
		}

		// April: no call (a chat contact only): no data, neither bonus nor
		// penalty, said on the invoice.
		w.contact(chat, utc("2026-04-10 09:00:00"), seg{model.SegQueued, 10, false}, seg{model.SegConnected, 600, true})
		rollup()
		apr := w.issue("2026-04")
		l := slLine(t, apr)
		if l.AmountCents != 0 || l.ServiceLevel.Status != commitment.StatusNoData || l.ServiceLevel.MeasuredPct != "" || l.ServiceLevel.BaseCents != 425 ||
			!strings.Contains(l.Label, "neither bonus nor penalty") || !strings.Contains(l.Label, "measured no data") {
			t.Errorf("April's line: %+v", l)
		}
		if len(apr.Notes) != 1 || !strings.Contains(apr.Notes[0], "no data for 2026-04") || apr.TotalHTCents != 5000 {
			t.Errorf("April: notes %q, HT %d", apr.Notes, apr.TotalHTCents)
		}

		// A revision of the clause touching an invoiced month is refused;
		// from May it is a new version.
		softer := terms
		softer.ValidFrom = "2026-04-15"
		softer.ServiceLevel = &ServiceLevelClause{CommitmentID: cm.ID, CapBP: 300, PenaltyBPPerPoint: 50}
		if _, err := w.b.AddContract(ctx, w.tenant, softer, "test"); !isRefused(err, RefusedRetroactive) || fieldOf(err) != "valid_from" {
			t.Errorf("a clause changed from 15 April (invoiced): %v", err)
		}
		softer.ValidFrom = "2026-05-01"
		if c, err := w.b.AddContract(ctx, w.tenant, softer, "test"); err != nil || c.Version != 2 || !c.RetroactiveDiscount {
			// Dropping the bonus from a day already past is a discount.
			t.Errorf("a clause from May: %+v, %v", c, err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The rule, exactly: the gap in points × the rate, rounded to a basis
// point half away from zero, reversed for a rate met at or below.
func TestServiceLevelRule(t *testing.T) {
	sl := ServiceLevelClause{CapBP: 1000, PenaltyBPPerPoint: 100, BonusBPPerPoint: 25}
	for _, c := range []struct {
		higher             bool
		num, den, targetBP int64
		want               int64
	}{
		{true, 157, 200, 8000, -150}, // 78.50 %: 1.5 points short × 100
		{true, 2, 3, 8000, -1333},    // 66.666… %: −13.333… points × 100 = −1333.33 → −1333
		{true, 8, 10, 8000, 0},       // at the target
		{true, 831, 1000, 8000, 78},  // 83.10 %: 3.1 × 25 = 77.5 → 78
		{false, 3, 100, 500, 50},     // abandon 3 % against ≤ 5 %: 2 points better × 25
		{false, 13, 200, 500, -150},  // abandon 6.5 %: 1.5 points worse × 100
		{true, 1999, 2000, 9950, 11}, // 99.95 % vs 99.50 %: 0.45 × 25 = 11.25 → 11
		{true, 1, 1000, 10, 0},       // 0.10 % at a 0.10 % target
		{true, 0, 1000, 10, -10},     // 0.10 point short × 100
	} {
		got := slRule(sl, c.higher, c.num, c.den, c.targetBP)
		if got != c.want {
			t.Errorf("%d/%d against %d (higher %v): %d bp, want %d", c.num, c.den, c.targetBP, c.higher, got, c.want)
		}
	}
}

package billing

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
	"github.com/plateau-cc/plateau/internal/workforce"
)

var (
	voice = model.ChannelVoice
	chat  = model.ChannelChat
)

func client() Party { return Party{Name: "Marque SA", Address: "2 avenue de France, 69002 Lyon"} }

// A month of contacts with each unit, hand-computed (February 2026, in
// Europe/Paris: UTC+1).
func TestMonthInvoiceEveryUnit(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, "units")
		w.contract(Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), Units: []UnitPrice{
			{Unit: UnitMinute, Channel: voice, Price: 4250},
			{Unit: UnitMinute, Channel: chat, Price: 2000},
			{Unit: UnitContact, Price: 11000},
			{Unit: UnitStaffedHour, Price: 275000},
		}})
		// Arrives 31 January 23:30 UTC: 1 February 00:30 in Paris.
		w.contact(voice, utc("2026-01-31 23:30:00"), seg{model.SegQueued, 20, false}, seg{model.SegConnected, 60, true})
		// 40 s of waiting and ringing, then 5 min talk + 1 min hold + 30 s wrap-up billed.
		w.contact(voice, utc("2026-02-03 09:00:00"), seg{model.SegQueued, 30, false}, seg{model.SegOffered, 10, false},
			seg{model.SegConnected, 300, true}, seg{model.SegHold, 60, true}, seg{model.SegWrapUp, 30, true})
		// 2 min waiting, 3 min 20 s billed, 40 s of wrap-up not billable.
		w.contact(voice, utc("2026-02-10 10:00:00"), seg{model.SegQueued, 120, false}, seg{model.SegConnected, 200, true},
			seg{model.SegWrapUp, 40, false})
		w.contact(chat, utc("2026-02-12 14:00:00"), seg{model.SegQueued, 15, false}, seg{model.SegConnected, 600, true})
		// Abandoned after 90 s: nothing billed, 90 s of waiting.
		w.contact(voice, utc("2026-02-20 08:00:00"), seg{model.SegQueued, 90, false})
		// 28 February 23:10 UTC is 1 March in Paris: not February's.
		w.contact(voice, utc("2026-02-28 23:10:00"), seg{model.SegConnected, 600, true})
		// 4 h logged in, and a stretch across the month's end: 1 h of it in February.
		w.loggedIn(utc("2026-02-02 08:00:00"), utc("2026-02-02 12:00:00"))
		w.loggedIn(utc("2026-02-28 22:00:00"), utc("2026-02-28 23:30:00"))

		inv := w.issue("2026-02")
		// Voice: 60 + 390 + 200 s = 650,000 ms at 0.4250/min = 460.41 → 460 cents.
		wantLine(t, inv, 1, LineUsage, UnitMinute, voice, 650_000, 4250, 460)
		wantLine(t, inv, 2, LineUsage, UnitContact, voice, 3, 11000, 330)
		// Chat: 10 min at 0.2000 = 2.00.
		wantLine(t, inv, 3, LineUsage, UnitMinute, chat, 600_000, 2000, 200)
		wantLine(t, inv, 4, LineUsage, UnitContact, chat, 1, 11000, 110)
		// 5 h at 27.50 = 137.50.
		wantLine(t, inv, 5, LineUsage, UnitStaffedHour, "", 5*3_600_000, 275000, 13750)
		if len(inv.Lines) != 5 {
			t.Errorf("%d lines, want 5 (no minimum): %+v", len(inv.Lines), inv.Lines)
		}
		if inv.TotalHTCents != 14850 || inv.VATCents != 2970 || inv.TotalCents != 17820 {
			t.Errorf("totals %d + %d = %d, want 14850 + 2970 = 17820", inv.TotalHTCents, inv.VATCents, inv.TotalCents)
		}
		// Waiting not billed: 20 + 40 + 120 + 15 + 90 s.
		if inv.WaitingNotBilledMS != 285_000 || inv.WaitingNotBilledText != "4.75" || inv.Contacts != 5 || inv.HandledContacts != 4 {
			t.Errorf("waiting %d ms (%s min), contacts %d handled %d; want 285000 (4.75), 5, 4", inv.WaitingNotBilledMS, inv.WaitingNotBilledText, inv.Contacts, inv.HandledContacts)
		}
		if inv.Number != "PS-000001" || inv.Status != "issued" || inv.Provider.Name != "Plateau Services SAS" || inv.Client.Name != "Marque SA" {
			t.Errorf("number %q status %q provider %q client %q", inv.Number, inv.Status, inv.Provider.Name, inv.Client.Name)
		}
		if !inv.PeriodStart.Equal(utc("2026-01-31 23:00:00")) || !inv.PeriodEnd.Equal(utc("2026-02-28 23:00:00")) {
			t.Errorf("period %s - %s", inv.PeriodStart, inv.PeriodEnd)
		}
		// Drill-down: the voice minutes line stands on three contacts.
		d, err := w.b.Details(testCtx(t), w.tenant, inv.ID, 1)
		w.must("details", err)
		var ms int64
		for _, c := range d.Contacts {
			ms += c.BillableMS
		}
		if len(d.Contacts) != 3 || ms != 650_000 {
			t.Errorf("line 1's drill-down: %d contacts, %d ms: %+v", len(d.Contacts), ms, d.Contacts)
		}
		d, err = w.b.Details(testCtx(t), w.tenant, inv.ID, 5)
		w.must("details", err)
		if len(d.Spans) != 2 || d.Spans[0].MS+d.Spans[1].MS != 5*3_600_000 {
			t.Errorf("line 5's drill-down: %+v", d.Spans)
		}
		// The month again is refused.
		if _, err := w.b.Issue(testCtx(t), w.tenant, "2026-02", "test"); !isRefused(err, RefusedConflict) {
			t.Errorf("issue February twice: %v", err)
		}
	})
}

func isRefused(err error, k Refusal) bool {
	var re *RefusedError
	return errors.As(err, &re) && re.Kind == k
}

func TestMinimumBilling(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, "minimum")
		w.contract(Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 50000,
			Units: []UnitPrice{{Unit: UnitMinute, Price: 4250}}})
		w.contact(voice, utc("2026-03-03 09:00:00"), seg{model.SegQueued, 30, false}, seg{model.SegConnected, 390, true})
		inv := w.issue("2026-03")
		// 6.5 min at 0.4250 = 2.7625 → 2.76; the top-up makes 500.00.
		wantLine(t, inv, 1, LineUsage, UnitMinute, voice, 390_000, 4250, 276)
		wantLine(t, inv, 2, LineMinimum, "", "", 1, 49724*100, 49724)
		if inv.TotalHTCents != 50000 || inv.VATCents != 10000 || inv.TotalCents != 60000 {
			t.Errorf("totals %d %d %d", inv.TotalHTCents, inv.VATCents, inv.TotalCents)
		}
		// A month without any contact bills the minimum alone.
		inv = w.issue("2026-04")
		if len(inv.Lines) != 1 || inv.Lines[0].Kind != LineMinimum || inv.TotalHTCents != 50000 {
			t.Errorf("empty month: %+v", inv.Lines)
		}
	})
}

// A Syntec revision on 15 March 2026, in the middle of a month that also
// changes to summer time (29 March).
func TestIndexationMidMonthDST(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, "syntec")
		w.contract(Terms{ValidFrom: "2025-04-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 30000,
			Units:      []UnitPrice{{Unit: UnitMinute, Price: 4250}},
			Indexation: &Indexation{Index: "syntec", BaseMonth: "2025-01", Anniversary: "03-15"}})
		w.contact(voice, utc("2026-03-10 09:00:00"), seg{model.SegConnected, 600, true})
		w.contact(voice, utc("2026-03-20 09:00:00"), seg{model.SegConnected, 600, true})
		// 31 March 23:30 in Paris (summer time: 21:30 UTC) is March's;
		// 1 April 00:15 (22:15 UTC) is April's.
		w.contact(voice, utc("2026-03-31 21:30:00"), seg{model.SegConnected, 60, true})
		w.contact(voice, utc("2026-03-31 22:15:00"), seg{model.SegConnected, 60, true})
		if _, err := w.b.Preview(testCtx(t), w.tenant, "2026-03"); err == nil || !errors.As(err, new(*MissingIndexError)) {
			t.Fatalf("preview without the index values: %v", err)
		}
		w.index("2025-01", "280.0")
		w.index("2026-01", "291.2")
		inv := w.issue("2026-03")
		// Factor 0.15 + 0.85 × 291.2/280 = 1.034: 0.4250 → 0.43945 → 0.4395 (half away from zero).
		if len(inv.Revisions) != 1 || inv.Revisions[0].Factor != "1.034000" || inv.Revisions[0].Prices[0].After != 4395 ||
			!inv.Revisions[0].At.Equal(utc("2026-03-14 23:00:00")) {
			t.Fatalf("revisions %+v", inv.Revisions)
		}
		// 10 min at 0.4250 before, 11 min at 0.4395 after.
		wantLine(t, inv, 1, LineUsage, UnitMinute, voice, 600_000, 4250, 425)
		wantLine(t, inv, 2, LineUsage, UnitMinute, voice, 660_000, 4395, 483)
		if l := inv.Lines[1]; !l.From.Equal(utc("2026-03-14 23:00:00")) || !l.To.Equal(utc("2026-03-31 22:00:00")) {
			t.Errorf("line 2 from %s to %s", l.From, l.To)
		}
		// Minimum: 300.00 for 336 of March's 743 hours (summer time
		// takes one), 310.20 for 407: 305.5873 → 305.59.
		if inv.MinimumCents != 30559 {
			t.Errorf("minimum %d, want 30559", inv.MinimumCents)
		}
		wantLine(t, inv, 3, LineMinimum, "", "", 1, (30559-908)*100, 30559-908)
		// April is at the revised price.
		inv = w.issue("2026-04")
		wantLine(t, inv, 1, LineUsage, UnitMinute, voice, 60_000, 4395, 44)
		if inv.MinimumCents != 31020 {
			t.Errorf("April's minimum %d, want 31020", inv.MinimumCents)
		}
	})
}

// A contact of January stored after January's invoice goes to February's
// as an adjustment, never into January's.
func TestLateContactAfterIssue(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, "late")
		w.contract(Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 1000,
			Units: []UnitPrice{{Unit: UnitMinute, Price: 4250}}})
		w.contact(voice, utc("2026-01-12 09:00:00"), seg{model.SegConnected, 600, true})
		jan := w.issue("2026-01")
		wantLine(t, jan, 1, LineUsage, UnitMinute, voice, 600_000, 4250, 425)
		wantLine(t, jan, 2, LineMinimum, "", "", 1, 57500, 575)
		// Late: 5 min of January, and 2 min of February.
		w.contact(voice, utc("2026-01-20 09:00:00"), seg{model.SegConnected, 300, true})
		w.contact(voice, utc("2026-02-05 09:00:00"), seg{model.SegConnected, 120, true})
		feb := w.issue("2026-02")
		wantLine(t, feb, 1, LineUsage, UnitMinute, voice, 120_000, 4250, 85)
		wantLine(t, feb, 2, LineMinimum, "", "", 1, 91500, 915)
		wantLine(t, feb, 3, LineAdjustment, UnitMinute, voice, 300_000, 4250, 213)
		// January's top-up is now covered by 2.13 of it.
		wantLine(t, feb, 4, LineMinimumAdjustment, "", "", 1, -21300, -213)
		if feb.Lines[2].Period != "2026-01" || feb.TotalHTCents != 1000 {
			t.Errorf("adjustment period %s, total %d", feb.Lines[2].Period, feb.TotalHTCents)
		}
		again, err := w.b.Invoice(testCtx(t), w.tenant, jan.ID)
		w.must("get January", err)
		if again.TotalHTCents != jan.TotalHTCents || len(again.Lines) != len(jan.Lines) {
			t.Errorf("January's invoice changed: %+v", again)
		}
		d, err := w.b.Details(testCtx(t), w.tenant, feb.ID, 3)
		w.must("details", err)
		if len(d.Contacts) != 1 || d.Contacts[0].Period != "2026-01" {
			t.Errorf("adjustment's drill-down %+v", d.Contacts)
		}
		// March has nothing late any more.
		mar, err := w.b.Preview(testCtx(t), w.tenant, "2026-03")
		w.must("preview March", err)
		for _, l := range mar.Lines {
			if l.Kind == LineAdjustment {
				t.Errorf("March bills January again: %+v", l)
			}
		}
		// A credit note corrects January, in the same sequence.
		cn, err := w.b.CreditNote(testCtx(t), w.tenant, jan.ID, CreditRequest{Reason: "commercial gesture", AmountCents: ptr(Cents(100))}, "test")
		w.must("credit note", err)
		if cn.Number != "PS-000003" || cn.TotalHTCents != -100 || cn.VATCents != -20 || cn.CreditsNumber != jan.Number {
			t.Errorf("credit note %+v", cn)
		}
		if _, err := w.b.CreditNote(testCtx(t), w.tenant, jan.ID, CreditRequest{Reason: "too much", AmountCents: ptr(Cents(901))}, "test"); !isRefused(err, RefusedConflict) {
			t.Errorf("crediting more than the invoice: %v", err)
		}
		full, err := w.b.CreditNote(testCtx(t), w.tenant, feb.ID, CreditRequest{Reason: "wrong client"}, "test")
		w.must("full credit note", err)
		if full.TotalCents != -feb.TotalCents || len(full.Lines) != len(feb.Lines) {
			t.Errorf("full credit %+v", full)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestRetroactiveDiscountRefused(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, "retro")
		w.clock.Set(utc("2026-02-10 12:00:00"))
		base := Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 1000,
			Units:      []UnitPrice{{Unit: UnitMinute, Price: 4250}},
			Indexation: &Indexation{Index: "syntec", BaseMonth: "2025-10", Anniversary: "01-01"}}
		w.contract(base)
		f, err := FairTerms(testCtx(t), st, w.tenant, w.clock.Now())
		w.must("fair terms", err)
		if !f.Fair || f.ContractVersion != 1 {
			t.Errorf("fairness %+v", f)
		}
		w.issue("2026-01")
		cheaper := base
		cheaper.Units = []UnitPrice{{Unit: UnitMinute, Price: 3900}}
		cheaper.ValidFrom = "2026-01-15"
		_, err = w.b.AddContract(testCtx(t), w.tenant, cheaper, "test")
		var re *RefusedError
		if !errors.As(err, &re) || re.Kind != RefusedRetroactive || re.Field != "valid_from" {
			t.Fatalf("a discount in January, invoiced: %v", err)
		}
		if vs, _ := w.b.Contracts(testCtx(t), w.tenant); len(vs) != 1 {
			t.Errorf("%d versions after a refusal", len(vs))
		}
		// From 1 February, not invoiced but before today: kept, and marked.
		cheaper.ValidFrom = "2026-02-01"
		c, err := w.b.AddContract(testCtx(t), w.tenant, cheaper, "test")
		w.must("discount from February", err)
		if c.Version != 2 || !c.RetroactiveDiscount {
			t.Errorf("version %d retroactive %v", c.Version, c.RetroactiveDiscount)
		}
		f, err = FairTerms(testCtx(t), st, w.tenant, w.clock.Now())
		w.must("fair terms", err)
		if f.Fair || f.NoRetroactiveDiscount || !f.HasMinimum || !f.HasIndexation || f.ContractVersion != 2 {
			t.Errorf("fairness after a retroactive discount %+v", f)
		}
		// Version 1 is still there, unchanged.
		vs, err := w.b.Contracts(testCtx(t), w.tenant)
		w.must("contracts", err)
		if len(vs) != 2 || vs[0].Units[0].Price != 4250 || vs[0].ValidFrom != "2026-01-01" {
			t.Errorf("versions %+v", vs)
		}
		// A future version can be withdrawn; a version in effect cannot.
		later := base
		later.ValidFrom = "2026-06-01"
		c3, err := w.b.AddContract(testCtx(t), w.tenant, later, "test")
		w.must("future version", err)
		if c3.RetroactiveDiscount {
			t.Error("a future price is not retroactive")
		}
		if err := w.b.DeleteContract(testCtx(t), w.tenant, vs[1].ID); !isRefused(err, RefusedConflict) {
			t.Errorf("withdraw a version in effect: %v", err)
		}
		w.must("withdraw the future version", w.b.DeleteContract(testCtx(t), w.tenant, c3.ID))
	})
}

// Invoices issued at once, by several tenants and twice for the same
// month, take numbers 1, 2, 3... without a gap.
func TestNumberingUnderConcurrentIssue(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		var worlds []*world
		for i := range 4 {
			w := newWorld(t, st, fmt.Sprintf("conc%d", i))
			w.contract(Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 1000})
			worlds = append(worlds, w)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		start := make(chan struct{})
		for _, w := range worlds {
			for range 2 { // the same month twice at once: one wins
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := w.b.Issue(testCtx(t), w.tenant, "2026-01", "test")
					errs <- err
				}()
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		ok, conflicts := 0, 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case isRefused(err, RefusedConflict):
				conflicts++
			default:
				t.Errorf("issue: %v", err)
			}
		}
		if ok != 4 || conflicts != 4 {
			t.Errorf("%d issued, %d refused; want 4 and 4", ok, conflicts)
		}
		seqs, err := st.ListAllInvoiceNumbers(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(seqs, []int64{1, 2, 3, 4}) {
			t.Errorf("numbers %v, want 1-4 without a gap", seqs)
		}
		p, err := worlds[0].b.GetProvider(testCtx(t))
		if err != nil || p.NextNumber != 5 {
			t.Errorf("next number %d (%v), want 5", p.NextNumber, err)
		}
	})
}

func TestIssueRefusals(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	w := newWorld(t, st, "refusals")
	if _, err := w.b.Issue(testCtx(t), w.tenant, "2026-01", "test"); !isRefused(err, RefusedNoContract) {
		t.Errorf("no contract: %v", err)
	}
	w.contract(Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 1000})
	if _, err := w.b.Issue(testCtx(t), w.tenant, "2026-06", "test"); !isRefused(err, RefusedNotOver) {
		t.Errorf("current month: %v", err)
	}
	w.issue("2026-03")
	if _, err := w.b.Issue(testCtx(t), w.tenant, "2026-02", "test"); !isRefused(err, RefusedConflict) {
		t.Errorf("out of order: %v", err)
	}
	if _, err := w.b.Issue(testCtx(t), w.tenant, "2025-12", "test"); !isRefused(err, RefusedNoContract) {
		t.Errorf("before the contract: %v", err)
	}
	bad := Terms{ValidFrom: "2026-05-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 1000,
		ServiceLevel: &ServiceLevelClause{CommitmentID: 1, CapBP: 500}}
	if _, err := w.b.AddContract(testCtx(t), w.tenant, bad, "test"); fieldOf(err) != "service_level.penalty_bp_per_point" {
		t.Errorf("a service-level clause with neither penalty nor bonus: %v", err)
	}
	bad.ServiceLevel.PenaltyBPPerPoint = 100
	if _, err := w.b.AddContract(testCtx(t), w.tenant, bad, "test"); fieldOf(err) != "service_level" {
		t.Errorf("a service-level clause without the commitments: %v", err)
	}
}

// October 2026 in Paris has 745 hours: the night of 25 October repeats
// 02:00-03:00. Logged in from midnight to 04:00 local is 5 hours billed;
// a new price from 16 October prorates the minimum over real hours.
func TestDSTMonthStaffedHours(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, "dst")
		w.clock.Set(utc("2026-09-01 12:00:00"))
		terms := Terms{ValidFrom: "2026-09-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 74500,
			Units: []UnitPrice{{Unit: UnitStaffedHour, Price: 300000}}}
		w.contract(terms)
		terms.ValidFrom, terms.MonthlyMinimumCents = "2026-10-16", 149000
		w.contract(terms)
		w.clock.Set(utc("2026-11-02 12:00:00"))
		w.loggedIn(utc("2026-10-24 22:00:00"), utc("2026-10-25 03:00:00"))
		inv := w.issue("2026-10")
		if !inv.PeriodStart.Equal(utc("2026-09-30 22:00:00")) || !inv.PeriodEnd.Equal(utc("2026-10-31 23:00:00")) {
			t.Errorf("October from %s to %s", inv.PeriodStart, inv.PeriodEnd)
		}
		// 5 h at 30.00, in the second version's window.
		wantLine(t, inv, 1, LineUsage, UnitStaffedHour, "", 5*3_600_000, 300000, 15000)
		// 745.00 for the 15 × 24 = 360 h before the 16th, 1490.00 for the
		// 385 h after (the 25th has 25): (745 × 360 + 1490 × 385) / 745 = 1130.00.
		if inv.MinimumCents != 113000 {
			t.Errorf("minimum %d, want 113000", inv.MinimumCents)
		}
		wantLine(t, inv, 2, LineMinimum, "", "", 1, (113000-15000)*100, 113000-15000)
	})
}

// The palmarès counts a tenant's contract under fair terms.
func TestFairContractsForThePalmares(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	w := newWorld(t, st, "palmares")
	var fc workforce.FairContracts = FairContracts{Src: st, Now: w.clock.Now}
	ctx := testCtx(t)
	if fair, total, err := fc.FairContracts(ctx, w.tenant, "2026-01-01", "2026-03-31"); err != nil || fair != 0 || total != 0 {
		t.Errorf("no contract: %d/%d (%v)", fair, total, err)
	}
	w.contract(Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 1000,
		Units: []UnitPrice{{Unit: UnitMinute, Price: 4250}}})
	if fair, total, err := fc.FairContracts(ctx, w.tenant, "2026-01-01", "2026-03-31"); err != nil || fair != 0 || total != 1 {
		t.Errorf("without indexation: %d/%d (%v)", fair, total, err)
	}
	w.contract(Terms{ValidFrom: "2026-04-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 1000,
		Units: []UnitPrice{{Unit: UnitMinute, Price: 4250}}, Indexation: &Indexation{Index: "syntec", BaseMonth: "2026-01", Anniversary: "04-01"}})
	if fair, total, err := fc.FairContracts(ctx, w.tenant, "2026-04-01", "2026-04-30"); err != nil || fair != 1 || total != 1 {
		t.Errorf("fair: %d/%d (%v)", fair, total, err)
	}
	if fair, total, err := fc.FairContracts(ctx, w.tenant, "2026-01-01", "2026-03-31"); err != nil || fair != 0 || total != 1 {
		t.Errorf("March, before the indexation: %d/%d (%v)", fair, total, err)
	}
}

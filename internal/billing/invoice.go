package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// LineKind says what an invoice line is.
type LineKind string

// Line kinds.
const (
	// LineUsage: a unit's quantity of the month at one price.
	LineUsage LineKind = "usage"
	// LineMinimum: the top-up to the monthly minimum.
	LineMinimum LineKind = "minimum"
	// LineAdjustment: a unit's quantity of an earlier, invoiced month that
	// arrived after its invoice (late data).
	LineAdjustment LineKind = "adjustment"
	// LineMinimumAdjustment: the part of an earlier month's top-up that its
	// late data now covers (negative).
	LineMinimumAdjustment LineKind = "minimum_adjustment"
	// LineServiceLevel: the service-level bonus (positive) or penalty
	// (negative) of the month, a percentage of its usage lines.
	LineServiceLevel LineKind = "service_level"
	// LineCredit: a credit note's line.
	LineCredit LineKind = "credit"
)

// Line is one line of an invoice.
type Line struct {
	No   int      `json:"no"`
	Kind LineKind `json:"kind"`
	Unit Unit     `json:"unit,omitempty"`
	// Channel is the contacts' channel (minutes and contacts).
	Channel model.Channel `json:"channel,omitempty"`
	// Period is the month the quantity belongs to (an earlier one for an
	// adjustment); From and To the stretch of it at this price.
	Period          string    `json:"period"`
	From            time.Time `json:"from"`
	To              time.Time `json:"to"`
	ContractVersion int       `json:"contract_version,omitempty"`
	// Quantity is in base units: milliseconds for minutes and hours, a
	// count for contacts; QuantityText in the unit, to two decimals (for
	// reading: the amount is computed from Quantity).
	Quantity     int64  `json:"quantity"`
	QuantityText string `json:"quantity_text"`
	UnitPrice    Price  `json:"unit_price"`
	AmountCents  Cents  `json:"amount_cents"`
	Label        string `json:"label"`
	// ServiceLevel details a service-level line.
	ServiceLevel *ServiceLevelLine `json:"service_level,omitempty"`
}

// Invoice is an invoice or credit note: a draft (computed, not stored) or
// issued (stored, immutable).
type Invoice struct {
	ID       int64  `json:"id,omitempty"`
	Number   string `json:"number,omitempty"`
	Kind     string `json:"kind"`   // invoice or credit_note
	Status   string `json:"status"` // draft or issued
	TenantID int64  `json:"tenant_id"`
	Period   string `json:"period"`
	// PeriodStart and PeriodEnd are the month's bounds in TimeZone.
	PeriodStart      time.Time  `json:"period_start"`
	PeriodEnd        time.Time  `json:"period_end"`
	TimeZone         string     `json:"time_zone"`
	ContractVersions []int      `json:"contract_versions"`
	Currency         string     `json:"currency"`
	Provider         Party      `json:"provider"`
	Client           Party      `json:"client"`
	Reference        string     `json:"reference,omitempty"`
	Lines            []Line     `json:"lines"`
	Revisions        []Revision `json:"revisions"`
	// MinimumCents is the month's minimum (prorated over its prices).
	MinimumCents Cents `json:"minimum_cents"`
	// The month's contacts: how many ended, the billed time, how many
	// were handled, and the waiting time that was NOT billed (arrival to
	// answer or departure: waiting, menus, ringing, virtual hold).
	Contacts           int64 `json:"contacts"`
	HandledContacts    int64 `json:"handled_contacts"`
	BilledMS           int64 `json:"billed_ms"`
	WaitingNotBilledMS int64 `json:"waiting_not_billed_ms"`
	StaffedMS          int64 `json:"staffed_ms"`
	TotalHTCents       Cents `json:"total_ht_cents"`
	VATRateBP          int   `json:"vat_rate_bp"`
	VATCents           Cents `json:"vat_cents"`
	TotalCents         Cents `json:"total_cents"`
	// WaitingNotBilledText is WaitingNotBilledMS in minutes (2 decimals).
	WaitingNotBilledText string     `json:"waiting_not_billed_minutes"`
	IssuedAt             *time.Time `json:"issued_at,omitempty"`
	IssuedBy             string     `json:"issued_by,omitempty"`
	// CreditsID and CreditsNumber: the invoice a credit note corrects.
	CreditsID     *int64   `json:"credits_id,omitempty"`
	CreditsNumber string   `json:"credits_number,omitempty"`
	Reason        string   `json:"reason,omitempty"`
	Notes         []string `json:"notes"`
}

// LateWindowMonths is how far back late data is looked for: contacts and
// agent time of the invoiced months among the 12 before the month.
const LateWindowMonths = 12

// Source is what invoices are computed from (a *store.Store).
type Source interface {
	ListContractVersions(ctx context.Context, tenantID int64) ([]store.ContractRow, error)
	ListIndexValues(ctx context.Context, index string) ([]store.IndexValue, error)
	ListInvoices(ctx context.Context, tenantID int64) ([]store.InvoiceRow, error)
	BillingContacts(ctx context.Context, tenantID int64, from, to time.Time, unbilled bool, fn func(store.BillingContact) error) error
	AgentStateSpans(ctx context.Context, tenantID, agentID int64, from, to time.Time) ([]store.AgentStateSpan, error)
	BilledSpanMS(ctx context.Context, tenantID int64, period string) (map[int64]int64, error)
	GetBillingProvider(ctx context.Context) (store.BillingProvider, error)
}

// computed is an invoice with what it accounts for.
type computed struct {
	inv      Invoice
	contacts []store.BilledContact
	spans    []store.BilledSpan
	basis    int64
}

// contracts reads the tenant's versions.
func contracts(ctx context.Context, src Source, tenantID int64) ([]Contract, error) {
	rows, err := src.ListContractVersions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]Contract, 0, len(rows))
	for _, r := range rows {
		c, err := decodeContract(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func decodeContract(r store.ContractRow) (Contract, error) {
	c := Contract{ID: r.ID, TenantID: r.TenantID, Version: r.Version, RetroactiveDiscount: r.RetroactiveDiscount, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy}
	if err := json.Unmarshal([]byte(r.Terms), &c.Terms); err != nil {
		return c, fmt.Errorf("decode contract version %d: %w", r.Version, err)
	}
	c.ValidFrom = r.ValidFrom
	return c, nil
}

func decodeInvoice(r store.InvoiceRow) (Invoice, error) {
	var inv Invoice
	if err := json.Unmarshal([]byte(r.Document), &inv); err != nil {
		return inv, fmt.Errorf("decode invoice %s: %w", r.Number, err)
	}
	inv.ID = r.ID
	return inv, nil
}

func loadIndexes(ctx context.Context, src Source, versions []Contract) (indexValues, error) {
	idx := indexValues{}
	for _, v := range versions {
		if v.Indexation == nil || idx[v.Indexation.Index] != nil {
			continue
		}
		vals, err := src.ListIndexValues(ctx, v.Indexation.Index)
		if err != nil {
			return nil, err
		}
		m := map[string]int64{}
		for _, x := range vals {
			m[x.Month] = x.Milli
		}
		idx[v.Indexation.Index] = m
	}
	return idx, nil
}

// lineKey groups a period's quantities into lines.
type lineKey struct {
	period  string
	window  int
	unit    Unit
	channel model.Channel
}

// builder accumulates an invoice's lines.
type builder struct {
	inv      *Invoice
	lines    map[lineKey]int // index in inv.Lines
	contacts []store.BilledContact
	spans    []store.BilledSpan
}

func (b *builder) line(k lineKey, kind LineKind, w window, price Price) int {
	if i, ok := b.lines[k]; ok {
		return i
	}
	b.inv.Lines = append(b.inv.Lines, Line{No: len(b.inv.Lines) + 1, Kind: kind, Unit: k.unit, Channel: k.channel, Period: k.period,
		From: w.from.UTC(), To: w.to.UTC(), ContractVersion: w.version, UnitPrice: price})
	b.lines[k] = len(b.inv.Lines) - 1
	return len(b.inv.Lines) - 1
}

// addPeriod adds the contacts and agent time of one month: its own
// (kind usage) or an earlier invoiced month's late data (kind adjustment).
func (b *builder) addPeriod(ctx context.Context, src Source, tenantID int64, period string, sched schedule, from, to, now time.Time, kind LineKind) (Cents, error) {
	own := kind == LineUsage
	err := src.BillingContacts(ctx, tenantID, from, to, true, func(c store.BillingContact) error {
		bc := store.BilledContact{InteractionID: c.ID, Period: period, Channel: c.Channel, ArrivedAt: c.ArrivedAt, BillableMS: c.BillableMS,
			Handled: c.Answered, WaitMS: c.WaitMS}
		if own {
			b.inv.Contacts++
			b.inv.WaitingNotBilledMS += c.WaitMS
		}
		if w, wi, ok := sched.window(c.ArrivedAt); ok {
			if p, ok := w.terms.priceOf(UnitMinute, c.Channel); ok && c.BillableMS > 0 {
				i := b.line(lineKey{period, wi, UnitMinute, c.Channel}, kind, w, p)
				b.inv.Lines[i].Quantity += c.BillableMS
				bc.MinuteLine = b.inv.Lines[i].No
			}
			if p, ok := w.terms.priceOf(UnitContact, c.Channel); ok && c.Answered {
				i := b.line(lineKey{period, wi, UnitContact, c.Channel}, kind, w, p)
				b.inv.Lines[i].Quantity++
				bc.ContactLine = b.inv.Lines[i].No
			}
		}
		if own {
			b.inv.BilledMS += c.BillableMS
			if c.Answered {
				b.inv.HandledContacts++
			}
		}
		b.contacts = append(b.contacts, bc)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read the contacts of %s: %w", period, err)
	}
	if sched.bills(UnitStaffedHour) {
		spans, err := src.AgentStateSpans(ctx, tenantID, 0, from, to)
		if err != nil {
			return 0, fmt.Errorf("read the agents' time of %s: %w", period, err)
		}
		billed, err := src.BilledSpanMS(ctx, tenantID, period)
		if err != nil {
			return 0, err
		}
		for _, sp := range spans {
			if _, done := billed[sp.ID]; done || sp.State == "logged_out" {
				continue
			}
			end := now
			if sp.End != nil {
				end = *sp.End
			}
			for wi, w := range sched.windows {
				p, ok := w.terms.priceOf(UnitStaffedHour, "")
				if !ok {
					continue
				}
				s, e := maxTime(sp.Start, w.from), minTime(end, w.to)
				if !e.After(s) {
					continue
				}
				ms := e.Sub(s).Milliseconds()
				i := b.line(lineKey{period, wi, UnitStaffedHour, ""}, kind, w, p)
				b.inv.Lines[i].Quantity += ms
				b.spans = append(b.spans, store.BilledSpan{AgentStateID: sp.ID, Period: period, AgentID: sp.AgentID, MS: ms, Line: b.inv.Lines[i].No})
				if own {
					b.inv.StaffedMS += ms
				}
			}
		}
	}
	var total Cents
	for i := range b.inv.Lines {
		l := &b.inv.Lines[i]
		if l.Period != period || l.Kind != kind {
			continue
		}
		l.AmountCents = Amount(l.Unit, l.Quantity, l.UnitPrice)
		total += l.AmountCents
	}
	return total, nil
}

// window returns the window holding t and its index.
func (s schedule) window(t time.Time) (window, int, bool) {
	for i, w := range s.windows {
		if !t.Before(w.from) && t.Before(w.to) {
			return w, i, true
		}
	}
	return window{}, 0, false
}

// bills reports whether any window prices unit u.
func (s schedule) bills(u Unit) bool {
	for _, w := range s.windows {
		for _, p := range w.terms.Units {
			if p.Unit == u {
				return true
			}
		}
	}
	return false
}

// minimum is the month's minimum: each window's minimum for its share of
// the month's time, summed exactly and rounded once.
func (s schedule) minimum(from, to time.Time) Cents {
	num := new(big.Int)
	for _, w := range s.windows {
		num.Add(num, new(big.Int).Mul(big.NewInt(int64(w.terms.MonthlyMinimumCents)), big.NewInt(w.to.Sub(w.from).Milliseconds())))
	}
	return Cents(divRound(num, big.NewInt(to.Sub(from).Milliseconds())))
}

// compute drafts the tenant's invoice for month.
func compute(ctx context.Context, src Source, cm Commitments, tenantID int64, month string, now time.Time) (computed, error) {
	versions, err := contracts(ctx, src, tenantID)
	if err != nil {
		return computed{}, err
	}
	if len(versions) == 0 {
		return computed{}, refuse(RefusedNoContract, "", "the tenant has no contract: create one first")
	}
	loc := versions[0].location()
	from, to, err := monthBounds(month, loc)
	if err != nil {
		return computed{}, err
	}
	idx, err := loadIndexes(ctx, src, versions)
	if err != nil {
		return computed{}, err
	}
	sched, err := buildSchedule(versions, idx, from, to)
	if err != nil {
		return computed{}, err
	}
	rows, err := src.ListInvoices(ctx, tenantID)
	if err != nil {
		return computed{}, err
	}
	c := computed{}
	if len(rows) > 0 {
		c.basis = rows[len(rows)-1].ID
		for _, r := range rows {
			c.basis = max(c.basis, r.ID)
		}
	}
	inv := &c.inv
	*inv = Invoice{Kind: "invoice", Status: "draft", TenantID: tenantID, Period: month, PeriodStart: from.UTC(), PeriodEnd: to.UTC(),
		TimeZone: loc.String(), Lines: []Line{}, Revisions: sched.revisions, Notes: []string{}, ContractVersions: []int{}}
	if inv.Revisions == nil {
		inv.Revisions = []Revision{}
	}
	last := versions[0]
	for _, v := range versions {
		if v.start(loc).Before(to) {
			last = v
		}
	}
	for _, w := range sched.windows {
		if !slices.Contains(inv.ContractVersions, w.version) {
			inv.ContractVersions = append(inv.ContractVersions, w.version)
		}
	}
	inv.Currency, inv.Client, inv.Reference, inv.VATRateBP = last.Currency, last.Client, last.Reference, last.VATRateBP
	prov, err := src.GetBillingProvider(ctx)
	if err != nil {
		return computed{}, err
	}
	if err := json.Unmarshal([]byte(prov.Details), &inv.Provider); err != nil {
		return computed{}, fmt.Errorf("decode the provider's details: %w", err)
	}
	b := &builder{inv: inv, lines: map[lineKey]int{}}
	usage, err := b.addPeriod(ctx, src, tenantID, month, sched, from, to, now, LineUsage)
	if err != nil {
		return computed{}, err
	}
	if len(sched.windows) > 0 {
		inv.MinimumCents = sched.minimum(from, to)
		if usage < inv.MinimumCents {
			w := sched.windows[len(sched.windows)-1]
			inv.Lines = append(inv.Lines, Line{No: len(inv.Lines) + 1, Kind: LineMinimum, Period: month, From: sched.windows[0].from.UTC(),
				To: w.to.UTC(), ContractVersion: w.version, Quantity: 1, UnitPrice: Price(int64(inv.MinimumCents-usage) * priceToCent),
				AmountCents: inv.MinimumCents - usage})
		}
	}
	if err := serviceLevelLines(ctx, cm, inv, versions, month); err != nil {
		return computed{}, err
	}
	// Late data of the invoiced months before this one.
	docs := map[string][]Invoice{}
	var periods []string
	for _, r := range rows {
		if r.Kind != "invoice" {
			continue
		}
		d, err := decodeInvoice(r)
		if err != nil {
			return computed{}, err
		}
		for _, l := range d.Lines {
			docs[l.Period] = append(docs[l.Period], d)
		}
		if r.Period < month && r.Period >= addMonths(month, -LateWindowMonths) && !slices.Contains(periods, r.Period) {
			periods = append(periods, r.Period)
		}
	}
	slices.Sort(periods)
	for _, p := range periods {
		pf, pt, _ := monthBounds(p, loc)
		ps, err := buildSchedule(versions, idx, pf, pt)
		if err != nil {
			return computed{}, err
		}
		n := len(inv.Lines)
		late, err := b.addPeriod(ctx, src, tenantID, p, ps, pf, pt, now, LineAdjustment)
		if err != nil {
			return computed{}, err
		}
		if len(inv.Lines) == n || late == 0 {
			continue
		}
		// The late usage first covers the month's top-up.
		var minP, usedP, topP Cents
		seen := map[int64]bool{}
		for _, d := range docs[p] {
			if seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			if d.Period == p {
				minP = d.MinimumCents
			}
			for _, l := range d.Lines {
				if l.Period != p {
					continue
				}
				switch l.Kind {
				case LineUsage, LineAdjustment:
					usedP += l.AmountCents
				case LineMinimum, LineMinimumAdjustment:
					topP += l.AmountCents
				}
			}
		}
		if delta := max(0, minP-(usedP+late)) - topP; delta != 0 {
			inv.Lines = append(inv.Lines, Line{No: len(inv.Lines) + 1, Kind: LineMinimumAdjustment, Period: p, From: pf.UTC(), To: pt.UTC(),
				Quantity: 1, UnitPrice: Price(int64(delta) * priceToCent), AmountCents: delta})
		}
	}
	for i := range inv.Lines {
		l := &inv.Lines[i]
		l.QuantityText = quantityText(l.Unit, l.Quantity)
		if l.Kind != LineServiceLevel {
			l.Label = label(*l)
		}
		inv.TotalHTCents += l.AmountCents
	}
	inv.VATCents = VAT(inv.TotalHTCents, inv.VATRateBP)
	inv.TotalCents = inv.TotalHTCents + inv.VATCents
	inv.WaitingNotBilledText = formatFixed(RoundDiv(inv.WaitingNotBilledMS, 100, msPerMinute), 2)
	c.contacts, c.spans = b.contacts, b.spans
	return c, nil
}

// quantityText is q in its unit, to two decimals.
func quantityText(u Unit, q int64) string {
	switch u {
	case UnitMinute:
		return formatFixed(RoundDiv(q, 100, msPerMinute), 2)
	case UnitStaffedHour:
		return formatFixed(RoundDiv(q, 100, msPerHour), 2)
	case UnitContact:
		return formatFixed(q*100, 2)
	}
	return formatFixed(q*100, 2)
}

// label is the line's English label (the invoice page translates by kind
// and unit).
func label(l Line) string {
	unit := map[Unit]string{UnitMinute: "Handled minutes", UnitContact: "Handled contacts", UnitStaffedHour: "Staffed hours"}[l.Unit]
	if l.Channel != "" {
		unit += " (" + string(l.Channel) + ")"
	}
	switch l.Kind {
	case LineMinimum:
		return "Monthly minimum top-up"
	case LineAdjustment:
		return "Adjustment for " + l.Period + ": " + unit
	case LineMinimumAdjustment:
		return "Adjustment for " + l.Period + ": monthly minimum top-up covered by late data"
	case LineCredit:
		return "Credit"
	}
	return unit
}

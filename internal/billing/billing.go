// Package billing turns a tenant's stored contacts and agent time into
// invoices under its contract: versioned contracts (units and prices, a
// monthly minimum, a yearly indexation on a published index, VAT), monthly
// invoices computed from the records (waiting never billed), issued with
// one unbroken sequence of numbers, corrected only by credit notes, and
// late data carried to the next invoice as adjustment lines.
//
// Amounts are integer cents (Cents), unit prices ten-thousandths of the
// currency unit (Price); the rounding rule is in money.go and
// docs/billing.md. It reads and writes the store through Store.
package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/store"
)

// Store is the storage billing needs (a *store.Store).
type Store interface {
	Source
	AddContractVersion(ctx context.Context, tenantID int64, row store.ContractRow, check func([]store.ContractRow, string) (store.ContractRow, error)) (store.ContractRow, error)
	GetContractVersion(ctx context.Context, tenantID, id int64) (store.ContractRow, error)
	DeleteContractVersion(ctx context.Context, tenantID, id int64, check func(store.ContractRow, bool, string) error) error
	GetInvoice(ctx context.Context, tenantID, id int64) (store.InvoiceRow, error)
	IssueInvoice(ctx context.Context, in store.NewInvoice) (store.InvoiceRow, error)
	InvoiceContacts(ctx context.Context, tenantID, invoiceID int64, line int) ([]store.BilledContact, error)
	InvoiceSpans(ctx context.Context, tenantID, invoiceID int64, line int) ([]store.BilledSpan, error)
	SetBillingProvider(ctx context.Context, details, prefix string) error
	SetIndexValue(ctx context.Context, v store.IndexValue) error
}

// Refusal classifies a refused request.
type Refusal string

// Refusals.
const (
	// RefusedRetroactive: a contract change would take effect in an
	// invoiced month.
	RefusedRetroactive Refusal = "retroactive"
	// RefusedNoContract: the tenant has no contract (for the month).
	RefusedNoContract Refusal = "no_contract"
	// RefusedNotOver: the month is not over yet.
	RefusedNotOver Refusal = "not_over"
	// RefusedConflict: already invoiced, not in chronological order, or
	// nothing left to credit.
	RefusedConflict Refusal = "conflict"
	// RefusedInvalid: a bad value (Field names it).
	RefusedInvalid Refusal = "invalid"
)

// RefusedError is a request billing refuses, with why.
type RefusedError struct {
	Kind    Refusal
	Field   string
	Message string
}

func (e *RefusedError) Error() string { return e.Message }

func refuse(kind Refusal, field, format string, args ...any) error {
	return &RefusedError{Kind: kind, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Biller runs billing over a store with a clock.
type Biller struct {
	st  Store
	now func() time.Time
	cm  Commitments
}

// New returns a Biller; now nil means time.Now.
func New(st Store, now func() time.Time) *Biller {
	if now == nil {
		now = time.Now
	}
	return &Biller{st: st, now: now}
}

// WithCommitments sets where the service-level clauses read their
// commitments (nil: a contract with a clause is refused); it returns b.
func (b *Biller) WithCommitments(cm Commitments) *Biller {
	b.cm = cm
	return b
}

// Contracts lists the tenant's contract versions, oldest first.
func (b *Biller) Contracts(ctx context.Context, tenantID int64) ([]Contract, error) {
	return contracts(ctx, b.st, tenantID)
}

// Contract returns one of the tenant's contract versions.
func (b *Biller) Contract(ctx context.Context, tenantID, id int64) (Contract, error) {
	r, err := b.st.GetContractVersion(ctx, tenantID, id)
	if err != nil {
		return Contract{}, err
	}
	return decodeContract(r)
}

// AddContract adds a version to the tenant's contract. It is refused
// (RefusedRetroactive) when it would take effect on or before the last
// day of the last invoiced month: prices and discounts change only after
// what was invoiced. A version that lowers a price from a day before
// today (over days not invoiced yet) is kept with RetroactiveDiscount set.
func (b *Biller) AddContract(ctx context.Context, tenantID int64, t Terms, by string) (Contract, error) {
	if err := t.Validate(); err != nil {
		return Contract{}, err
	}
	if err := b.checkClause(ctx, tenantID, t.ServiceLevel); err != nil {
		return Contract{}, err
	}
	_, err := b.st.AddContractVersion(ctx, tenantID, store.ContractRow{}, func(rows []store.ContractRow, lastPeriod string) (store.ContractRow, error) {
		var prev []Contract
		for _, r := range rows {
			c, err := decodeContract(r)
			if err != nil {
				return store.ContractRow{}, err
			}
			prev = append(prev, c)
		}
		if len(prev) > 0 && prev[0].TimeZone != t.TimeZone {
			return store.ContractRow{}, refuse(RefusedInvalid, "time_zone", "a tenant's contract keeps one time zone: %s (version 1's)", prev[0].TimeZone)
		}
		if len(prev) > 0 && t.ValidFrom <= prev[len(prev)-1].ValidFrom {
			return store.ContractRow{}, refuse(RefusedInvalid, "valid_from", "must be after the latest version's start (%s): versions are added, never rewritten", prev[len(prev)-1].ValidFrom)
		}
		if lastPeriod != "" {
			_, end, _ := monthBounds(lastPeriod, time.UTC)
			if t.ValidFrom < end.Format(time.DateOnly) {
				return store.ContractRow{}, refuse(RefusedRetroactive, "valid_from",
					"%s is within an invoiced month (invoiced up to %s): a price change or discount takes effect from %s at the earliest",
					t.ValidFrom, lastPeriod, end.Format(time.DateOnly))
			}
		}
		retro := false
		today := b.now().In(t.location()).Format(time.DateOnly)
		if len(prev) > 0 && t.ValidFrom < today && lowers(prev[len(prev)-1].Terms, t) {
			retro = true
		}
		terms, err := json.Marshal(t)
		if err != nil {
			return store.ContractRow{}, fmt.Errorf("encode contract terms: %w", err)
		}
		row := store.ContractRow{ValidFrom: t.ValidFrom, Terms: string(terms), RetroactiveDiscount: retro, CreatedBy: by}
		return row, nil
	})
	if err != nil {
		return Contract{}, err
	}
	rows, err := b.st.ListContractVersions(ctx, tenantID)
	if err != nil {
		return Contract{}, err
	}
	return decodeContract(rows[len(rows)-1])
}

// DeleteContract withdraws the tenant's latest version if it has not taken
// effect: it starts after today and after every invoiced month.
func (b *Biller) DeleteContract(ctx context.Context, tenantID, id int64) error {
	return b.st.DeleteContractVersion(ctx, tenantID, id, func(r store.ContractRow, latest bool, lastPeriod string) error {
		c, err := decodeContract(r)
		if err != nil {
			return err
		}
		if !latest {
			return refuse(RefusedConflict, "", "only the latest version can be withdrawn; versions are kept")
		}
		today := b.now().In(c.location()).Format(time.DateOnly)
		if c.ValidFrom <= today {
			return refuse(RefusedConflict, "", "version %d took effect on %s: it is kept (add a new version instead)", c.Version, c.ValidFrom)
		}
		if lastPeriod != "" && c.ValidFrom <= lastPeriod+"-31" {
			return refuse(RefusedConflict, "", "version %d covers an invoiced month: it is kept", c.Version)
		}
		return nil
	})
}

// Preview drafts the tenant's invoice for month (YYYY-MM) from the records
// as they are now; an invoiced month answers its issued invoice.
func (b *Biller) Preview(ctx context.Context, tenantID int64, month string) (Invoice, error) {
	rows, err := b.st.ListInvoices(ctx, tenantID)
	if err != nil {
		return Invoice{}, err
	}
	for _, r := range rows {
		if r.Kind == "invoice" && r.Period == month {
			return decodeInvoice(r)
		}
	}
	c, err := compute(ctx, b.st, b.cm, tenantID, month, b.now())
	if err != nil {
		return Invoice{}, err
	}
	return c.inv, nil
}

// Issue computes and issues the tenant's invoice for month, which must be
// over, not invoiced yet, and after every invoiced month. The number is
// the provider's next, taken in the issuing transaction; an invoice
// issued meanwhile for the tenant makes it compute again.
func (b *Biller) Issue(ctx context.Context, tenantID int64, month, by string) (Invoice, error) {
	for attempt := 0; ; attempt++ {
		c, err := compute(ctx, b.st, b.cm, tenantID, month, b.now())
		if err != nil {
			return Invoice{}, err
		}
		now := b.now()
		if now.Before(c.inv.PeriodEnd) {
			return Invoice{}, refuse(RefusedNotOver, "month", "%s is not over (it ends %s): preview it, issue it after", month, c.inv.PeriodEnd.Format(time.RFC3339))
		}
		if len(c.inv.ContractVersions) == 0 && len(c.inv.Lines) == 0 {
			return Invoice{}, refuse(RefusedNoContract, "month", "no contract was in effect in %s", month)
		}
		inv := c.inv
		row, err := b.st.IssueInvoice(ctx, store.NewInvoice{
			TenantID: tenantID, Kind: "invoice", Period: month, Currency: inv.Currency,
			TotalHT: int64(inv.TotalHTCents), VAT: int64(inv.VATCents), Total: int64(inv.TotalCents),
			IssuedAt: now, IssuedBy: by, Basis: c.basis, Contacts: c.contacts, Spans: c.spans,
			Check: func(existing []store.InvoiceRow) error {
				for _, r := range existing {
					if r.Kind != "invoice" {
						continue
					}
					if r.Period == month {
						return refuse(RefusedConflict, "month", "%s is already invoiced (%s)", month, r.Number)
					}
					if r.Period > month {
						return refuse(RefusedConflict, "month", "%s is already invoiced (%s): invoices are issued in order", r.Period, r.Number)
					}
				}
				return nil
			},
			Document: func(number string, _ int64) (string, error) {
				inv.Number, inv.Status = number, "issued"
				t := now.UTC().Truncate(time.Microsecond)
				inv.IssuedAt, inv.IssuedBy = &t, by
				doc, err := json.Marshal(inv)
				return string(doc), err
			},
		})
		if errors.Is(err, store.ErrStale) && attempt < 10 {
			continue
		}
		if err != nil {
			return Invoice{}, err
		}
		return decodeInvoice(row)
	}
}

// CreditRequest asks for a credit note on an issued invoice: the whole
// invoice (AmountCents nil) or an amount excluding VAT.
type CreditRequest struct {
	Reason      string `json:"reason"`
	AmountCents *Cents `json:"amount_cents,omitempty"`
}

// CreditNote issues a credit note referencing the tenant's invoice id, in
// the same sequence of numbers; what is credited in all may not exceed
// the invoice.
func (b *Biller) CreditNote(ctx context.Context, tenantID, id int64, req CreditRequest, by string) (Invoice, error) {
	if strings.TrimSpace(req.Reason) == "" || len([]rune(req.Reason)) > 500 {
		return Invoice{}, invalid("reason", "must say why, in at most 500 characters")
	}
	if req.AmountCents != nil && *req.AmountCents <= 0 {
		return Invoice{}, invalid("amount_cents", "must be positive (the amount credited, excluding VAT)")
	}
	for attempt := 0; ; attempt++ {
		row, err := b.st.GetInvoice(ctx, tenantID, id)
		if err != nil {
			return Invoice{}, err
		}
		if row.Kind != "invoice" {
			return Invoice{}, refuse(RefusedConflict, "", "%s is a credit note: credit the invoice itself", row.Number)
		}
		orig, err := decodeInvoice(row)
		if err != nil {
			return Invoice{}, err
		}
		basis, err := lastID(ctx, b.st, tenantID)
		if err != nil {
			return Invoice{}, err
		}
		now := b.now()
		cn := Invoice{Kind: "credit_note", Status: "issued", TenantID: tenantID, Period: orig.Period, PeriodStart: orig.PeriodStart,
			PeriodEnd: orig.PeriodEnd, TimeZone: orig.TimeZone, ContractVersions: orig.ContractVersions, Currency: orig.Currency,
			Provider: orig.Provider, Client: orig.Client, Reference: orig.Reference, Revisions: []Revision{}, VATRateBP: orig.VATRateBP,
			CreditsID: &row.ID, CreditsNumber: row.Number, Reason: req.Reason, Notes: []string{}, Lines: []Line{}}
		if req.AmountCents == nil {
			for _, l := range orig.Lines {
				l.Kind, l.AmountCents, l.Quantity = LineCredit, -l.AmountCents, -l.Quantity
				l.QuantityText = quantityText(l.Unit, l.Quantity)
				l.Label = "Credit: " + l.Label
				cn.Lines = append(cn.Lines, l)
			}
			cn.TotalHTCents, cn.VATCents = -orig.TotalHTCents, -orig.VATCents
		} else {
			a := *req.AmountCents
			cn.Lines = append(cn.Lines, Line{No: 1, Kind: LineCredit, Period: orig.Period, From: orig.PeriodStart, To: orig.PeriodEnd,
				Quantity: 1, QuantityText: "1.00", UnitPrice: Price(-int64(a) * priceToCent), AmountCents: -a, Label: "Credit: " + req.Reason})
			cn.TotalHTCents = -a
			cn.VATCents = VAT(-a, orig.VATRateBP)
		}
		cn.TotalCents = cn.TotalHTCents + cn.VATCents
		_, err = b.st.IssueInvoice(ctx, store.NewInvoice{
			TenantID: tenantID, Kind: "credit_note", Period: orig.Period, CreditsID: &row.ID, Currency: orig.Currency,
			TotalHT: int64(cn.TotalHTCents), VAT: int64(cn.VATCents), Total: int64(cn.TotalCents), IssuedAt: now, IssuedBy: by, Basis: basis,
			Check: func(existing []store.InvoiceRow) error {
				credited := int64(0)
				for _, r := range existing {
					if r.CreditsID != nil && *r.CreditsID == row.ID {
						credited += -r.TotalHT
					}
				}
				if credited-int64(cn.TotalHTCents) > row.TotalHT {
					return refuse(RefusedConflict, "amount_cents", "%s has %s left to credit (excluding VAT)", row.Number, Cents(row.TotalHT-credited))
				}
				return nil
			},
			Document: func(number string, _ int64) (string, error) {
				cn.Number = number
				t := now.UTC().Truncate(time.Microsecond)
				cn.IssuedAt, cn.IssuedBy = &t, by
				doc, err := json.Marshal(cn)
				return string(doc), err
			},
		})
		if errors.Is(err, store.ErrStale) && attempt < 10 {
			continue
		}
		if err != nil {
			return Invoice{}, err
		}
		list, err := b.st.ListInvoices(ctx, tenantID)
		if err != nil {
			return Invoice{}, err
		}
		return decodeInvoice(list[len(list)-1])
	}
}

func lastID(ctx context.Context, src Source, tenantID int64) (int64, error) {
	rows, err := src.ListInvoices(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	var id int64
	for _, r := range rows {
		id = max(id, r.ID)
	}
	return id, nil
}

// Summary is an issued invoice or credit note as listed.
type Summary struct {
	ID           int64     `json:"id"`
	Number       string    `json:"number"`
	Kind         string    `json:"kind"`
	Period       string    `json:"period"`
	CreditsID    *int64    `json:"credits_id,omitempty"`
	Currency     string    `json:"currency"`
	TotalHTCents Cents     `json:"total_ht_cents"`
	VATCents     Cents     `json:"vat_cents"`
	TotalCents   Cents     `json:"total_cents"`
	IssuedAt     time.Time `json:"issued_at"`
	IssuedBy     string    `json:"issued_by"`
}

// Invoices lists the tenant's issued invoices and credit notes by number.
func (b *Biller) Invoices(ctx context.Context, tenantID int64) ([]Summary, error) {
	rows, err := b.st.ListInvoices(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, len(rows))
	for i, r := range rows {
		out[i] = Summary{ID: r.ID, Number: r.Number, Kind: r.Kind, Period: r.Period, CreditsID: r.CreditsID, Currency: r.Currency,
			TotalHTCents: Cents(r.TotalHT), VATCents: Cents(r.VAT), TotalCents: Cents(r.Total), IssuedAt: r.IssuedAt, IssuedBy: r.IssuedBy}
	}
	return out, nil
}

// Invoice returns one of the tenant's issued invoices or credit notes.
func (b *Biller) Invoice(ctx context.Context, tenantID, id int64) (Invoice, error) {
	r, err := b.st.GetInvoice(ctx, tenantID, id)
	if err != nil {
		return Invoice{}, err
	}
	return decodeInvoice(r)
}

// Details is what an invoice line stands on: its contacts (with their
// billed and waiting time) or its agents' time.
type Details struct {
	Contacts []store.BilledContact `json:"contacts"`
	Spans    []store.BilledSpan    `json:"agent_time"`
}

// Details returns the contacts and agent time behind an issued invoice's
// line (0: the whole invoice).
func (b *Biller) Details(ctx context.Context, tenantID, id int64, line int) (Details, error) {
	inv, err := b.Invoice(ctx, tenantID, id)
	if err != nil {
		return Details{}, err
	}
	if line < 0 || line > len(inv.Lines) {
		return Details{}, invalid("line", "invoice %s has lines 1 to %d", inv.Number, len(inv.Lines))
	}
	d := Details{Contacts: []store.BilledContact{}, Spans: []store.BilledSpan{}}
	if inv.Kind != "invoice" {
		return d, nil
	}
	if d.Contacts, err = b.st.InvoiceContacts(ctx, tenantID, id, line); err != nil {
		return d, err
	}
	if d.Spans, err = b.st.InvoiceSpans(ctx, tenantID, id, line); err != nil {
		return d, err
	}
	return d, nil
}

// Provider is the provider's details and its invoice numbers' prefix.
type Provider struct {
	Party
	Prefix string `json:"prefix"`
	// NextNumber is the next invoice's number (read only).
	NextNumber int64 `json:"next_number"`
}

// GetProvider returns the provider's details.
func (b *Biller) GetProvider(ctx context.Context) (Provider, error) {
	p, err := b.st.GetBillingProvider(ctx)
	if err != nil {
		return Provider{}, err
	}
	out := Provider{Prefix: p.Prefix, NextNumber: p.NextNumber}
	if err := json.Unmarshal([]byte(p.Details), &out.Party); err != nil {
		return Provider{}, fmt.Errorf("decode the provider's details: %w", err)
	}
	return out, nil
}

// SetProvider replaces the provider's details and prefix (invoices
// already issued keep theirs).
func (b *Biller) SetProvider(ctx context.Context, p Provider) (Provider, error) {
	if strings.TrimSpace(p.Name) == "" {
		return Provider{}, invalid("name", "must not be empty: an invoice names its issuer")
	}
	if p.Prefix == "" || len(p.Prefix) > 12 || strings.Trim(p.Prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return Provider{}, invalid("prefix", "must be 1-12 capital letters or digits (got %q)", p.Prefix)
	}
	doc, err := json.Marshal(p.Party)
	if err != nil {
		return Provider{}, fmt.Errorf("encode the provider's details: %w", err)
	}
	if err := b.st.SetBillingProvider(ctx, string(doc), p.Prefix); err != nil {
		return Provider{}, err
	}
	return b.GetProvider(ctx)
}

// IndexValue is a published index's value for a month.
type IndexValue struct {
	Index string `json:"index"`
	Month string `json:"month"`
	// Value is a decimal string with at most three decimals ("287.4").
	Value     string    `json:"value"`
	EnteredAt time.Time `json:"entered_at"`
}

// SetIndexValue records an index value (correcting it if entered
// before; issued invoices keep the values they used).
func (b *Biller) SetIndexValue(ctx context.Context, v IndexValue) (IndexValue, error) {
	v.Index = strings.TrimSpace(v.Index)
	if v.Index == "" || len(v.Index) > 40 {
		return IndexValue{}, invalid("index", "must name the index, e.g. syntec")
	}
	if _, err := time.Parse("2006-01", v.Month); err != nil {
		return IndexValue{}, invalid("month", "must be a month YYYY-MM (got %q)", v.Month)
	}
	milli, err := ParseFixed(v.Value, 3)
	if err != nil || milli <= 0 {
		return IndexValue{}, invalid("value", "must be a positive decimal with at most three decimals, e.g. \"287.4\" (got %q)", v.Value)
	}
	if err := b.st.SetIndexValue(ctx, store.IndexValue{Index: v.Index, Month: v.Month, Milli: milli}); err != nil {
		return IndexValue{}, err
	}
	v.Value, v.EnteredAt = formatFixed(milli, 3), b.now().UTC()
	return v, nil
}

// IndexValues lists an index's values ("": every index).
func (b *Biller) IndexValues(ctx context.Context, index string) ([]IndexValue, error) {
	rows, err := b.st.ListIndexValues(ctx, index)
	if err != nil {
		return nil, err
	}
	out := make([]IndexValue, len(rows))
	for i, r := range rows {
		out[i] = IndexValue{Index: r.Index, Month: r.Month, Value: formatFixed(r.Milli, 3), EnteredAt: r.EnteredAt}
	}
	return out, nil
}

// Fairness says whether a tenant's current contract is under fair terms
// (the 2010 charter): a monthly minimum, an indexation clause, and no
// retroactive discount ever applied to the tenant.
type Fairness struct {
	Fair bool `json:"fair"`
	// ContractVersion is the version in effect (0: no contract).
	ContractVersion       int  `json:"contract_version"`
	HasMinimum            bool `json:"has_minimum"`
	HasIndexation         bool `json:"has_indexation"`
	NoRetroactiveDiscount bool `json:"no_retroactive_discount"`
}

// FairTerms tells whether the tenant's contract in effect at now is under
// fair terms; a tenant without a contract in effect is not.
func FairTerms(ctx context.Context, src Source, tenantID int64, now time.Time) (Fairness, error) {
	versions, err := contracts(ctx, src, tenantID)
	if err != nil {
		return Fairness{}, fmt.Errorf("fair terms of tenant %d: %w", tenantID, err)
	}
	f := Fairness{NoRetroactiveDiscount: true}
	var cur *Contract
	for i := range versions {
		v := &versions[i]
		if v.RetroactiveDiscount {
			f.NoRetroactiveDiscount = false
		}
		if !v.start(v.location()).After(now) {
			cur = v
		}
	}
	if cur == nil {
		return f, nil
	}
	f.ContractVersion = cur.Version
	f.HasMinimum = cur.MonthlyMinimumCents > 0
	f.HasIndexation = cur.Indexation != nil
	f.Fair = f.HasMinimum && f.HasIndexation && f.NoRetroactiveDiscount
	return f, nil
}

// FairContracts is the palmarès' view of the contracts (it implements
// workforce.FairContracts): a tenant has one contract, counted when a
// version was in effect on the period's last day (to, YYYY-MM-DD, at its
// end in the contract's time zone, or now if earlier), fair when
// FairTerms says so then.
type FairContracts struct {
	Src Source
	// Now bounds the day looked at; nil means time.Now.
	Now func() time.Time
}

// FairContracts returns (1, 1) for a fair contract, (0, 1) for another,
// (0, 0) without a contract in effect.
func (f FairContracts) FairContracts(ctx context.Context, tenantID int64, from, to string) (fair, total int, err error) {
	d, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return 0, 0, fmt.Errorf("fair contracts: the period's end %q is not a date YYYY-MM-DD", to)
	}
	versions, err := contracts(ctx, f.Src, tenantID)
	if err != nil {
		return 0, 0, fmt.Errorf("fair contracts of tenant %d: %w", tenantID, err)
	}
	if len(versions) == 0 {
		return 0, 0, nil
	}
	at := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, versions[0].location()).Add(-time.Nanosecond)
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	if n := now(); n.Before(at) {
		at = n
	}
	fs, err := FairTerms(ctx, f.Src, tenantID, at)
	if err != nil {
		return 0, 0, err
	}
	if fs.ContractVersion == 0 {
		return 0, 0, nil
	}
	if fs.Fair {
		return 1, 1, nil
	}
	return 0, 1, nil
}

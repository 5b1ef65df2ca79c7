package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Billing storage: the provider's details and invoice counter, index
// values, contract versions, issued invoices and what each accounted for
// (internal/billing computes; this file stores). Nothing is updated but
// the provider's row: contract versions are added, invoices issued (the
// schema refuses changes to an issued invoice).

// ErrStale: the tenant's invoices changed since the invoice was computed
// (another was issued meanwhile): compute it again.
var ErrStale = errors.New("invoices changed since the computation")

// BillingProvider is the provider's row: its details (JSON, as the
// billing package writes them), the invoice numbers' prefix and the next
// number.
type BillingProvider struct {
	Details    string
	Prefix     string
	NextNumber int64
}

// GetBillingProvider returns the provider's row.
func (s *Store) GetBillingProvider(ctx context.Context) (BillingProvider, error) {
	var p BillingProvider
	err := s.conn().queryRow(ctx, "SELECT details, prefix, next_number FROM billing_provider WHERE id = 1").Scan(&p.Details, &p.Prefix, &p.NextNumber)
	if err != nil {
		return p, fail(err, "get billing provider")
	}
	return p, nil
}

// SetBillingProvider replaces the provider's details and prefix; the
// counter is left alone.
func (s *Store) SetBillingProvider(ctx context.Context, details, prefix string) error {
	if err := s.conn().execOne(ctx, "UPDATE billing_provider SET details = ?, prefix = ? WHERE id = 1", details, prefix); err != nil {
		return fail(err, "set billing provider")
	}
	return nil
}

// IndexValue is a published index's value for a month, in thousandths.
type IndexValue struct {
	Index     string
	Month     string // YYYY-MM
	Milli     int64
	EnteredAt time.Time
}

// SetIndexValue records (or corrects) an index value. Issued invoices
// keep the values they used.
func (s *Store) SetIndexValue(ctx context.Context, v IndexValue) error {
	_, err := s.conn().exec(ctx, `INSERT INTO billing_index_values (index_name, month, value, entered_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (index_name, month) DO UPDATE SET value = excluded.value, entered_at = excluded.entered_at`,
		v.Index, v.Month, v.Milli, ts(s.now()))
	if err != nil {
		return fail(err, "set index %s of %s", v.Index, v.Month)
	}
	return nil
}

// ListIndexValues returns the values of an index ("" : every index), by
// index then month.
func (s *Store) ListIndexValues(ctx context.Context, index string) ([]IndexValue, error) {
	q := "SELECT index_name, month, value, entered_at FROM billing_index_values"
	var args []any
	if index != "" {
		q += " WHERE index_name = ?"
		args = append(args, index)
	}
	rows, err := s.conn().query(ctx, q+" ORDER BY index_name, month", args...)
	if err != nil {
		return nil, fail(err, "list index values")
	}
	out, err := collect(rows, func(r scanner) (IndexValue, error) {
		var v IndexValue
		err := r.Scan(&v.Index, &v.Month, &v.Milli, &v.EnteredAt)
		v.EnteredAt = v.EnteredAt.UTC()
		return v, err
	})
	if err != nil {
		return nil, fail(err, "list index values")
	}
	return out, nil
}

// ContractRow is a stored contract version; Terms is its JSON.
type ContractRow struct {
	ID, TenantID int64
	Version      int
	ValidFrom    string // YYYY-MM-DD, local
	Terms        string
	// RetroactiveDiscount: the version lowered a price from a date
	// before it was entered.
	RetroactiveDiscount bool
	CreatedAt           time.Time
	CreatedBy           string
}

const contractCols = "id, tenant_id, version, valid_from, terms, retroactive_discount, created_at, created_by"

func scanContract(r scanner) (ContractRow, error) {
	var c ContractRow
	err := r.Scan(&c.ID, &c.TenantID, &c.Version, &c.ValidFrom, &c.Terms, &c.RetroactiveDiscount, &c.CreatedAt, &c.CreatedBy)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// AddContractVersion adds a contract version to the tenant, numbered
// after its last one. check runs inside the transaction with the versions
// so far and the last period invoiced ("" : none): its error refuses the
// version.
func (s *Store) AddContractVersion(ctx context.Context, tenantID int64, row ContractRow, check func(versions []ContractRow, lastPeriod string) (ContractRow, error)) (ContractRow, error) {
	var out ContractRow
	err := s.inTx(ctx, func(c conn) error {
		versions, err := listContracts(ctx, c, tenantID)
		if err != nil {
			return err
		}
		last, err := lastInvoicedPeriod(ctx, c, tenantID)
		if err != nil {
			return err
		}
		r, err := check(versions, last)
		if err != nil {
			return err
		}
		r.TenantID = tenantID
		r.Version = 1
		if len(versions) > 0 {
			r.Version = versions[len(versions)-1].Version + 1
		}
		r.CreatedAt = ts(s.now())
		r.ID, err = c.insert(ctx, "INSERT INTO billing_contracts (tenant_id, version, valid_from, terms, retroactive_discount, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
			tenantID, r.Version, r.ValidFrom, r.Terms, r.RetroactiveDiscount, r.CreatedAt, r.CreatedBy)
		out = r
		return err
	})
	if err != nil {
		return ContractRow{}, fail(err, "add contract version of tenant %d", tenantID)
	}
	return out, nil
}

// ListContractVersions returns the tenant's contract versions, oldest first.
func (s *Store) ListContractVersions(ctx context.Context, tenantID int64) ([]ContractRow, error) {
	out, err := listContracts(ctx, s.conn(), tenantID)
	if err != nil {
		return nil, fail(err, "list contract versions of tenant %d", tenantID)
	}
	return out, nil
}

func listContracts(ctx context.Context, c conn, tenantID int64) ([]ContractRow, error) {
	rows, err := c.query(ctx, "SELECT "+contractCols+" FROM billing_contracts WHERE tenant_id = ? ORDER BY version", tenantID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanContract)
}

// GetContractVersion returns one of the tenant's contract versions by id.
func (s *Store) GetContractVersion(ctx context.Context, tenantID, id int64) (ContractRow, error) {
	r, err := scanContract(s.conn().queryRow(ctx, "SELECT "+contractCols+" FROM billing_contracts WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return ContractRow{}, fail(err, "get contract version %d", id)
	}
	return r, nil
}

// DeleteContractVersion withdraws the tenant's latest version when check
// (given it and the last period invoiced) allows it.
func (s *Store) DeleteContractVersion(ctx context.Context, tenantID, id int64, check func(row ContractRow, latest bool, lastPeriod string) error) error {
	err := s.inTx(ctx, func(c conn) error {
		versions, err := listContracts(ctx, c, tenantID)
		if err != nil {
			return err
		}
		for i, v := range versions {
			if v.ID != id {
				continue
			}
			last, err := lastInvoicedPeriod(ctx, c, tenantID)
			if err != nil {
				return err
			}
			if err := check(v, i == len(versions)-1, last); err != nil {
				return err
			}
			return c.execOne(ctx, "DELETE FROM billing_contracts WHERE tenant_id = ? AND id = ?", tenantID, id)
		}
		return ErrNotFound
	})
	if err != nil {
		return failDelete(err, "delete contract version %d", id)
	}
	return nil
}

func lastInvoicedPeriod(ctx context.Context, c conn, tenantID int64) (string, error) {
	var p sql.NullString
	if err := c.queryRow(ctx, "SELECT MAX(period) FROM billing_invoices WHERE tenant_id = ? AND kind = 'invoice'", tenantID).Scan(&p); err != nil {
		return "", err
	}
	return p.String, nil
}

// LastInvoicedPeriod is the latest month (YYYY-MM) the tenant was
// invoiced for, "" if never.
func (s *Store) LastInvoicedPeriod(ctx context.Context, tenantID int64) (string, error) {
	p, err := lastInvoicedPeriod(ctx, s.conn(), tenantID)
	if err != nil {
		return "", fail(err, "last invoiced period of tenant %d", tenantID)
	}
	return p, nil
}

// InvoiceRow is an issued invoice or credit note; Document is the whole
// issued document (JSON).
type InvoiceRow struct {
	ID, TenantID        int64
	Kind                string // invoice or credit_note
	Seq                 int64
	Number              string
	Period              string
	CreditsID           *int64
	Currency            string
	TotalHT, VAT, Total int64
	IssuedAt            time.Time
	IssuedBy            string
	Document            string
}

const invoiceCols = "id, tenant_id, kind, seq, number, period, credits_id, currency, total_ht_cents, vat_cents, total_cents, issued_at, issued_by, document"

func scanInvoice(r scanner) (InvoiceRow, error) {
	var (
		v       InvoiceRow
		credits sql.NullInt64
	)
	err := r.Scan(&v.ID, &v.TenantID, &v.Kind, &v.Seq, &v.Number, &v.Period, &credits, &v.Currency, &v.TotalHT, &v.VAT, &v.Total,
		&v.IssuedAt, &v.IssuedBy, &v.Document)
	v.CreditsID = int64Ptr(credits)
	v.IssuedAt = v.IssuedAt.UTC()
	return v, err
}

// ListInvoices returns the tenant's invoices and credit notes by number.
func (s *Store) ListInvoices(ctx context.Context, tenantID int64) ([]InvoiceRow, error) {
	rows, err := s.conn().query(ctx, "SELECT "+invoiceCols+" FROM billing_invoices WHERE tenant_id = ? ORDER BY seq", tenantID)
	if err != nil {
		return nil, fail(err, "list invoices of tenant %d", tenantID)
	}
	out, err := collect(rows, scanInvoice)
	if err != nil {
		return nil, fail(err, "list invoices of tenant %d", tenantID)
	}
	return out, nil
}

// ListAllInvoiceNumbers returns every invoice's seq, in order (to check
// the sequence).
func (s *Store) ListAllInvoiceNumbers(ctx context.Context) ([]int64, error) {
	rows, err := s.conn().query(ctx, "SELECT seq FROM billing_invoices ORDER BY seq")
	if err != nil {
		return nil, fail(err, "list invoice numbers")
	}
	out, err := collect(rows, func(r scanner) (int64, error) {
		var n int64
		return n, r.Scan(&n)
	})
	if err != nil {
		return nil, fail(err, "list invoice numbers")
	}
	return out, nil
}

// GetInvoice returns one of the tenant's invoices or credit notes.
func (s *Store) GetInvoice(ctx context.Context, tenantID, id int64) (InvoiceRow, error) {
	v, err := scanInvoice(s.conn().queryRow(ctx, "SELECT "+invoiceCols+" FROM billing_invoices WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return InvoiceRow{}, fail(err, "get invoice %d", id)
	}
	return v, nil
}

// BilledContact is a contact an invoice accounted for.
type BilledContact struct {
	InteractionID int64         `json:"interaction_id"`
	Period        string        `json:"period"`
	Channel       model.Channel `json:"channel"`
	ArrivedAt     time.Time     `json:"arrived_at"`
	BillableMS    int64         `json:"billable_ms"`
	Handled       bool          `json:"handled"`
	WaitMS        int64         `json:"wait_ms"`
	MinuteLine    int           `json:"minute_line"`
	ContactLine   int           `json:"contact_line"`
}

// BilledSpan is a stretch of an agent's logged-in time an invoice
// accounted for, within one month.
type BilledSpan struct {
	AgentStateID int64  `json:"agent_state_id"`
	Period       string `json:"period"`
	AgentID      int64  `json:"agent_id"`
	MS           int64  `json:"ms"`
	Line         int    `json:"line"`
}

// NewInvoice is an invoice or credit note to issue.
type NewInvoice struct {
	TenantID            int64
	Kind                string
	Period              string
	CreditsID           *int64
	Currency            string
	TotalHT, VAT, Total int64
	IssuedAt            time.Time
	IssuedBy            string
	// Basis is the id of the tenant's last invoice or credit note when
	// the invoice was computed (0: none); if another was issued since,
	// IssueInvoice returns ErrStale.
	Basis int64
	// Document renders the issued document once its number is known.
	Document func(number string, seq int64) (string, error)
	// Check, when set, runs in the transaction with the tenant's invoices
	// so far; its error refuses the issue.
	Check    func(existing []InvoiceRow) error
	Contacts []BilledContact
	Spans    []BilledSpan
}

// IssueInvoice stores an invoice with the provider's next number, taken in
// the same transaction (the counter row is locked until the commit: two
// issues at once get consecutive numbers, and a failed one takes none).
// A contact or stretch already accounted for by another invoice is
// ErrConflict.
func (s *Store) IssueInvoice(ctx context.Context, in NewInvoice) (InvoiceRow, error) {
	var out InvoiceRow
	err := s.inTx(ctx, func(c conn) error {
		var seq int64
		var prefix string
		// The counter first: it serialises the issuers.
		if err := c.queryRow(ctx, "UPDATE billing_provider SET next_number = next_number + 1 WHERE id = 1 RETURNING next_number - 1, prefix").Scan(&seq, &prefix); err != nil {
			return fmt.Errorf("take invoice number: %w", err)
		}
		var basis sql.NullInt64
		if err := c.queryRow(ctx, "SELECT MAX(id) FROM billing_invoices WHERE tenant_id = ?", in.TenantID).Scan(&basis); err != nil {
			return err
		}
		if basis.Int64 != in.Basis {
			return ErrStale
		}
		if in.Check != nil {
			rows, err := c.query(ctx, "SELECT "+invoiceCols+" FROM billing_invoices WHERE tenant_id = ? ORDER BY seq", in.TenantID)
			if err != nil {
				return err
			}
			existing, err := collect(rows, scanInvoice)
			if err != nil {
				return err
			}
			if err := in.Check(existing); err != nil {
				return err
			}
		}
		number := InvoiceNumber(prefix, seq)
		doc, err := in.Document(number, seq)
		if err != nil {
			return err
		}
		v := InvoiceRow{TenantID: in.TenantID, Kind: in.Kind, Seq: seq, Number: number, Period: in.Period, CreditsID: in.CreditsID,
			Currency: in.Currency, TotalHT: in.TotalHT, VAT: in.VAT, Total: in.Total, IssuedAt: ts(in.IssuedAt), IssuedBy: in.IssuedBy, Document: doc}
		v.ID, err = c.insert(ctx, `INSERT INTO billing_invoices (tenant_id, kind, seq, number, period, credits_id, currency, total_ht_cents,
			vat_cents, total_cents, issued_at, issued_by, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.TenantID, v.Kind, v.Seq, v.Number, v.Period, nullInt64(v.CreditsID), v.Currency, v.TotalHT, v.VAT, v.Total, v.IssuedAt, v.IssuedBy, v.Document)
		if err != nil {
			return err
		}
		// Many rows a statement: a month of contacts is one row each.
		for start := 0; start < len(in.Contacts); start += importBatch {
			part := in.Contacts[start:min(start+importBatch, len(in.Contacts))]
			vals := make([]string, len(part))
			args := make([]any, 0, len(part)*11)
			for i, b := range part {
				vals[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
				args = append(args, in.TenantID, b.InteractionID, v.ID, b.Period, b.Channel, ts(b.ArrivedAt), b.BillableMS, b.Handled, b.WaitMS, b.MinuteLine, b.ContactLine)
			}
			if _, err := c.uncached().exec(ctx, `INSERT INTO billing_invoice_contacts (tenant_id, interaction_id, invoice_id, period, channel, arrived_at,
				billable_ms, handled, wait_ms, minute_line, contact_line) VALUES `+strings.Join(vals, ", "), args...); err != nil {
				return fmt.Errorf("account for %d contacts: %w", len(part), err)
			}
		}
		for start := 0; start < len(in.Spans); start += importBatch {
			part := in.Spans[start:min(start+importBatch, len(in.Spans))]
			vals := make([]string, len(part))
			args := make([]any, 0, len(part)*7)
			for i, b := range part {
				vals[i] = "(?, ?, ?, ?, ?, ?, ?)"
				args = append(args, in.TenantID, b.AgentStateID, b.Period, v.ID, b.AgentID, b.MS, b.Line)
			}
			if _, err := c.uncached().exec(ctx, `INSERT INTO billing_invoice_spans (tenant_id, agent_state_id, period, invoice_id, agent_id, ms, line)
				VALUES `+strings.Join(vals, ", "), args...); err != nil {
				return fmt.Errorf("account for %d stretches of agent time: %w", len(part), err)
			}
		}
		out = v
		return nil
	})
	if err != nil {
		return InvoiceRow{}, fail(err, "issue %s of tenant %d for %s", in.Kind, in.TenantID, in.Period)
	}
	return out, nil
}

// InvoiceNumber formats an invoice number: the prefix, a dash and the
// sequence number on at least six digits.
func InvoiceNumber(prefix string, seq int64) string {
	return fmt.Sprintf("%s-%06d", prefix, seq)
}

// LastInvoiceID is the id of the tenant's last invoice or credit note (0:
// none): the basis of NewInvoice.
func (s *Store) LastInvoiceID(ctx context.Context, tenantID int64) (int64, error) {
	var id sql.NullInt64
	if err := s.conn().queryRow(ctx, "SELECT MAX(id) FROM billing_invoices WHERE tenant_id = ?", tenantID).Scan(&id); err != nil {
		return 0, fail(err, "last invoice of tenant %d", tenantID)
	}
	return id.Int64, nil
}

// InvoiceContacts returns the contacts an invoice accounted for, by
// arrival; line > 0 keeps those feeding that line.
func (s *Store) InvoiceContacts(ctx context.Context, tenantID, invoiceID int64, line int) ([]BilledContact, error) {
	q := `SELECT interaction_id, period, channel, arrived_at, billable_ms, handled, wait_ms, minute_line, contact_line
		FROM billing_invoice_contacts WHERE tenant_id = ? AND invoice_id = ?`
	args := []any{tenantID, invoiceID}
	if line > 0 {
		q += " AND (minute_line = ? OR contact_line = ?)"
		args = append(args, line, line)
	}
	rows, err := s.conn().query(ctx, q+" ORDER BY arrived_at, interaction_id", args...)
	if err != nil {
		return nil, fail(err, "list contacts of invoice %d", invoiceID)
	}
	out, err := collect(rows, func(r scanner) (BilledContact, error) {
		var b BilledContact
		err := r.Scan(&b.InteractionID, &b.Period, &b.Channel, &b.ArrivedAt, &b.BillableMS, &b.Handled, &b.WaitMS, &b.MinuteLine, &b.ContactLine)
		b.ArrivedAt = b.ArrivedAt.UTC()
		return b, err
	})
	if err != nil {
		return nil, fail(err, "list contacts of invoice %d", invoiceID)
	}
	return out, nil
}

// InvoiceSpans returns the agent time an invoice accounted for; line > 0
// keeps that line's.
func (s *Store) InvoiceSpans(ctx context.Context, tenantID, invoiceID int64, line int) ([]BilledSpan, error) {
	q := "SELECT agent_state_id, period, agent_id, ms, line FROM billing_invoice_spans WHERE tenant_id = ? AND invoice_id = ?"
	args := []any{tenantID, invoiceID}
	if line > 0 {
		q += " AND line = ?"
		args = append(args, line)
	}
	rows, err := s.conn().query(ctx, q+" ORDER BY agent_state_id, period", args...)
	if err != nil {
		return nil, fail(err, "list agent time of invoice %d", invoiceID)
	}
	out, err := collect(rows, func(r scanner) (BilledSpan, error) {
		var b BilledSpan
		return b, r.Scan(&b.AgentStateID, &b.Period, &b.AgentID, &b.MS, &b.Line)
	})
	if err != nil {
		return nil, fail(err, "list agent time of invoice %d", invoiceID)
	}
	return out, nil
}

// BilledSpanMS returns, for the tenant's stretches accounted for in
// period, the time already billed, by agent state id.
func (s *Store) BilledSpanMS(ctx context.Context, tenantID int64, period string) (map[int64]int64, error) {
	rows, err := s.conn().query(ctx, "SELECT agent_state_id, ms FROM billing_invoice_spans WHERE tenant_id = ? AND period = ?", tenantID, period)
	if err != nil {
		return nil, fail(err, "list billed agent time of %s", period)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, ms int64
		if err := rows.Scan(&id, &ms); err != nil {
			return nil, fail(err, "list billed agent time of %s", period)
		}
		out[id] += ms
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err, "list billed agent time of %s", period)
	}
	return out, nil
}

// BillingContact is an ended contact with its billable time and its wait
// (internal/kpi's definitions: billable = the handled segments flagged
// billable, a segment still open counting until the contact's end; wait =
// arrival to answer, or to the end when never answered).
type BillingContact struct {
	ID         int64
	QueueID    int64
	Channel    model.Channel
	ArrivedAt  time.Time
	Answered   bool
	BillableMS int64
	WaitMS     int64
}

// BillingContacts calls fn for each of the tenant's ended contacts that
// arrived in [from, to), by arrival then id, a page at a time; unbilled
// keeps those no invoice accounted for yet.
func (s *Store) BillingContacts(ctx context.Context, tenantID int64, from, to time.Time, unbilled bool, fn func(BillingContact) error) error {
	const page = 2000
	var (
		afterAt time.Time
		afterID int64
	)
	for {
		q := "SELECT i.id, i.queue_id, i.channel, i.arrived_at, i.answered_at, i.ended_at FROM interactions i WHERE i.tenant_id = ? AND i.arrived_at >= ? AND i.arrived_at < ? AND i.state = ?"
		args := []any{tenantID, ts(from), ts(to), model.StateEnded}
		if unbilled {
			q += " AND NOT EXISTS (SELECT 1 FROM billing_invoice_contacts b WHERE b.tenant_id = i.tenant_id AND b.interaction_id = i.id)"
		}
		if afterID != 0 {
			q += " AND i.arrived_at >= ? AND (i.arrived_at > ? OR i.id > ?)"
			args = append(args, ts(afterAt), ts(afterAt), afterID)
		}
		rows, err := s.conn().query(ctx, q+" ORDER BY i.arrived_at, i.id LIMIT ?", append(args, page)...)
		if err != nil {
			return fail(err, "list contacts to bill")
		}
		type rec struct {
			c   BillingContact
			end time.Time
		}
		list, err := collect(rows, func(r scanner) (rec, error) {
			var (
				x               rec
				answered, ended sql.NullTime
			)
			err := r.Scan(&x.c.ID, &x.c.QueueID, &x.c.Channel, &x.c.ArrivedAt, &answered, &ended)
			x.c.ArrivedAt = x.c.ArrivedAt.UTC()
			x.end = x.c.ArrivedAt
			if ended.Valid {
				x.end = ended.Time.UTC()
			}
			w := x.end
			if answered.Valid {
				x.c.Answered = true
				w = answered.Time.UTC()
			}
			x.c.WaitMS = max(w.Sub(x.c.ArrivedAt), 0).Milliseconds()
			return x, err
		})
		if err != nil {
			return fail(err, "list contacts to bill")
		}
		if len(list) > 0 {
			byID := make(map[int64]int, len(list))
			ids := make([]string, len(list))
			for i, x := range list {
				byID[x.c.ID] = i
				ids[i] = strconv.FormatInt(x.c.ID, 10)
			}
			srows, err := s.conn().uncached().query(ctx, "SELECT interaction_id, started_at, ended_at FROM segments WHERE tenant_id = ? AND billable = ? AND interaction_id IN ("+
				strings.Join(ids, ",")+")", tenantID, true)
			if err != nil {
				return fail(err, "list billable segments")
			}
			for srows.Next() {
				var (
					id    int64
					start time.Time
					end   sql.NullTime
				)
				if err := srows.Scan(&id, &start, &end); err != nil {
					srows.Close()
					return fail(err, "list billable segments")
				}
				x := &list[byID[id]]
				e := x.end
				if end.Valid {
					e = end.Time
				}
				x.c.BillableMS += max(e.Sub(start), 0).Milliseconds()
			}
			srows.Close()
			if err := srows.Err(); err != nil {
				return fail(err, "list billable segments")
			}
		}
		for _, x := range list {
			if err := fn(x.c); err != nil {
				return err
			}
			afterAt, afterID = x.c.ArrivedAt, x.c.ID
		}
		if len(list) < page {
			return nil
		}
	}
}

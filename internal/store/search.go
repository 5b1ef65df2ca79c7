package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Comment is a customer's survey comment.
type Comment struct {
	InteractionID int64     `json:"interaction_id"`
	QueueID       int64     `json:"queue_id"`
	ArrivedAt     time.Time `json:"arrived_at"`
	Score         int       `json:"score"`
	Comment       string    `json:"comment"`
}

// SurveyComments returns up to limit of the tenant's survey comments of
// contacts that arrived in [from, to), newest first; queueID 0: every queue.
func (s *Store) SurveyComments(ctx context.Context, tenantID int64, from, to time.Time, queueID int64, limit int) ([]Comment, error) {
	q := `SELECT id, queue_id, arrived_at, csat_score, csat_comment FROM interactions
		WHERE tenant_id = ? AND arrived_at >= ? AND arrived_at < ? AND csat_score IS NOT NULL AND csat_comment <> ''`
	args := []any{tenantID, ts(from), ts(to)}
	if queueID != 0 {
		q += " AND queue_id = ?"
		args = append(args, queueID)
	}
	rows, err := s.conn().query(ctx, q+" ORDER BY arrived_at DESC, id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fail(err, "list survey comments")
	}
	out, err := collect(rows, func(r scanner) (Comment, error) {
		var c Comment
		err := r.Scan(&c.InteractionID, &c.QueueID, &c.ArrivedAt, &c.Score, &c.Comment)
		c.ArrivedAt = c.ArrivedAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, fail(err, "list survey comments")
	}
	return out, nil
}

// InteractionFilter selects interactions for SearchInteractions; zero
// fields match everything.
type InteractionFilter struct {
	From, To time.Time // arrival in [From, To)
	QueueID  int64
	AgentID  int64
	Channel  model.Channel
	State    model.InteractionState
	// Outcome is an ended reason (answered, abandoned, closed...).
	Outcome model.EndedReason
	// Customer matches the phone number, e-mail or external id exactly, or
	// the name as a case-insensitive prefix.
	Customer string
	// Before is the cursor: only interactions before it in the order
	// (arrival, id) descending.
	BeforeArrival time.Time
	BeforeID      int64
}

// ContactSummary is an interaction as searches list it: the record with
// its time split by segment kind (seconds).
type ContactSummary struct {
	model.Interaction
	WaitSeconds     float64  `json:"wait_seconds"`
	TalkSeconds     float64  `json:"talk_seconds"`
	HoldSeconds     float64  `json:"hold_seconds"`
	WrapUpSeconds   float64  `json:"wrap_up_seconds"`
	BillableSeconds float64  `json:"billable_seconds"`
	ActualWait      *float64 `json:"actual_wait_seconds"` // answered: arrival to answer
}

// SearchInteractions calls fn for each of the tenant's interactions that
// f selects, newest first, at most limit (0: no limit), reading them in
// pages so that memory stays constant whatever the number. fn returning
// an error stops the search with it.
func (s *Store) SearchInteractions(ctx context.Context, tenantID int64, f InteractionFilter, limit int, fn func(ContactSummary) error) error {
	const page = 1000
	done := 0
	for {
		n := page
		if limit > 0 && limit-done < n {
			n = limit - done
		}
		if n <= 0 {
			return nil
		}
		list, err := s.searchPage(ctx, tenantID, f, n)
		if err != nil {
			return err
		}
		for _, c := range list {
			if err := fn(c); err != nil {
				return err
			}
		}
		done += len(list)
		if len(list) < n {
			return nil
		}
		last := list[len(list)-1]
		f.BeforeArrival, f.BeforeID = last.ArrivedAt, last.ID
	}
}

// searchWhere is the search's condition on interactions i: where with
// its args; base is where without the bounds on arrival.
func searchWhere(tenantID int64, f InteractionFilter) (where string, args []any, base string, baseArgs []any) {
	w := []string{"i.tenant_id = ?"}
	args = []any{tenantID}
	add := func(cond string, a ...any) { w = append(w, cond); args = append(args, a...) }
	if f.QueueID != 0 {
		add("i.queue_id = ?", f.QueueID)
	}
	if f.AgentID != 0 {
		add("i.agent_id = ?", f.AgentID)
	}
	if f.Channel != "" {
		add("i.channel = ?", string(f.Channel))
	}
	if f.State != "" {
		add("i.state = ?", string(f.State))
	}
	if f.Outcome != "" {
		add("i.ended_reason = ?", string(f.Outcome))
	}
	if f.Customer != "" {
		add("(i.customer_phone = ? OR i.customer_email = ? OR i.customer_external_id = ? OR LOWER(i.customer_name) LIKE ?)",
			f.Customer, f.Customer, f.Customer, strings.ToLower(strings.NewReplacer("%", "", "_", "").Replace(f.Customer))+"%")
	}
	base, baseArgs = strings.Join(w, " AND "), append([]any(nil), args...)
	if !f.From.IsZero() {
		add("i.arrived_at >= ?", ts(f.From))
	}
	// With a cursor before the period's end, the cursor is the only upper
	// bound: given both, SQLite's planner may take the period's end for the
	// index range and walk every row after the cursor again on each page.
	if !f.To.IsZero() && (f.BeforeArrival.IsZero() || !f.BeforeArrival.Before(f.To)) {
		add("i.arrived_at < ?", ts(f.To))
	}
	if !f.BeforeArrival.IsZero() {
		// The first bound keeps the scan on the index range.
		add("i.arrived_at <= ? AND (i.arrived_at < ? OR i.id < ?)", ts(f.BeforeArrival), ts(f.BeforeArrival), f.BeforeID)
	}
	return strings.Join(w, " AND "), args, base, baseArgs
}

func (s *Store) searchPage(ctx context.Context, tenantID int64, f InteractionFilter, limit int) ([]ContactSummary, error) {
	where, args, _, _ := searchWhere(tenantID, f)
	// The page on the (tenant, arrival, id) index; the handled time is
	// kept on the row (contactsums.go).
	rows, err := s.conn().query(ctx, "SELECT "+s.dialect.interactionCols()+", talk_us, hold_us, wrap_up_us, billable_us FROM interactions i WHERE "+
		where+" ORDER BY i.arrived_at DESC, i.id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fail(err, "search interactions")
	}
	out, err := collect(rows, func(r scanner) (ContactSummary, error) {
		var (
			c                            ContactSummary
			talk, hold, wrapUp, billable int64
		)
		in, err := scanInteractionWith(r, &talk, &hold, &wrapUp, &billable)
		if err != nil {
			return c, err
		}
		c.Interaction = in
		if in.AnsweredAt != nil {
			w := in.AnsweredAt.Sub(in.ArrivedAt).Seconds()
			c.WaitSeconds, c.ActualWait = w, &w
		} else if in.EndedAt != nil {
			c.WaitSeconds = in.EndedAt.Sub(in.ArrivedAt).Seconds()
		}
		c.TalkSeconds, c.HoldSeconds = usSeconds(talk), usSeconds(hold)
		c.WrapUpSeconds, c.BillableSeconds = usSeconds(wrapUp), usSeconds(billable)
		return c, nil
	})
	if err != nil {
		return nil, fail(err, "search interactions")
	}
	return out, nil
}

// usSeconds is microseconds in seconds.
func usSeconds(us int64) float64 { return (time.Duration(us) * time.Microsecond).Seconds() }

// FirstArrival is the arrival of the oldest interaction of any tenant.
func (s *Store) FirstArrival(ctx context.Context) (time.Time, bool, error) {
	var t time.Time
	err := s.conn().queryRow(ctx, "SELECT arrived_at FROM interactions ORDER BY arrived_at LIMIT 1").Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fail(err, "first arrival")
	}
	return t.UTC(), true, nil
}

// ScanInteractions calls fn for each of the tenant's interactions that
// arrived in [from, to), by arrival then id, reading them in pages on the
// (tenant, arrival, id) index.
func (s *Store) ScanInteractions(ctx context.Context, tenantID int64, from, to time.Time, fn func(model.Interaction) error) error {
	const page = 5000
	var (
		afterAt time.Time
		afterID int64
	)
	for {
		// After the first page the cursor is the only lower bound (see
		// searchPage: SQLite's planner may take the other for the range).
		q := "SELECT " + s.dialect.interactionCols() + " FROM interactions WHERE tenant_id = ? AND arrived_at >= ? AND arrived_at < ?"
		args := []any{tenantID, ts(from), ts(to)}
		if afterID != 0 {
			q = "SELECT " + s.dialect.interactionCols() + " FROM interactions WHERE tenant_id = ? AND arrived_at >= ? AND arrived_at < ? AND (arrived_at > ? OR id > ?)"
			args = []any{tenantID, ts(afterAt), ts(to), ts(afterAt), afterID}
		}
		rows, err := s.conn().query(ctx, q+" ORDER BY arrived_at, id LIMIT ?", append(args, page)...)
		if err != nil {
			return fail(err, "scan interactions")
		}
		list, err := collect(rows, scanInteraction)
		if err != nil {
			return fail(err, "scan interactions")
		}
		for _, in := range list {
			if err := fn(in); err != nil {
				return err
			}
			afterAt, afterID = in.ArrivedAt, in.ID
		}
		if len(list) < page {
			return nil
		}
	}
}

// CustomerContact is a contact by a known customer, for first-contact
// resolution: Key is the customer's e-mail, else phone number.
type CustomerContact struct {
	ID       int64
	QueueID  int64
	Key      string
	Arrived  time.Time
	Answered bool
}

// CustomerContacts lists the tenant's contacts of known customers (an
// e-mail or a phone number) that arrived in [from, to), by arrival.
func (s *Store) CustomerContacts(ctx context.Context, tenantID int64, from, to time.Time) ([]CustomerContact, error) {
	rows, err := s.conn().query(ctx, `SELECT id, queue_id, customer_email, customer_phone, arrived_at, answered_at IS NOT NULL FROM interactions
		WHERE tenant_id = ? AND arrived_at >= ? AND arrived_at < ? AND (customer_email <> '' OR customer_phone <> '') ORDER BY arrived_at, id`,
		tenantID, ts(from), ts(to))
	if err != nil {
		return nil, fail(err, "list customers' contacts")
	}
	out, err := collect(rows, func(r scanner) (CustomerContact, error) {
		var (
			c            CustomerContact
			email, phone string
		)
		err := r.Scan(&c.ID, &c.QueueID, &email, &phone, &c.Arrived, &c.Answered)
		c.Key, c.Arrived = email, c.Arrived.UTC()
		if c.Key == "" {
			c.Key = "tel:" + phone
		}
		return c, err
	})
	if err != nil {
		return nil, fail(err, "list customers' contacts")
	}
	return out, nil
}

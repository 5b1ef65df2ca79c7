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

func (s *Store) searchPage(ctx context.Context, tenantID int64, f InteractionFilter, limit int) ([]ContactSummary, error) {
	w := []string{"i.tenant_id = ?"}
	args := []any{tenantID}
	add := func(cond string, a ...any) { w = append(w, cond); args = append(args, a...) }
	if !f.From.IsZero() {
		add("i.arrived_at >= ?", ts(f.From))
	}
	if !f.To.IsZero() {
		add("i.arrived_at < ?", ts(f.To))
	}
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
	if !f.BeforeArrival.IsZero() {
		add("(i.arrived_at < ? OR (i.arrived_at = ? AND i.id < ?))", ts(f.BeforeArrival), ts(f.BeforeArrival), f.BeforeID)
	}
	cols := strings.ReplaceAll(interactionCols, "\n\t", " ")
	cols = "i." + strings.ReplaceAll(cols, ", ", ", i.")
	q := `SELECT ` + cols + `,
		COALESCE(SUM(CASE WHEN sg.kind = 'connected' THEN {dur} END), 0),
		COALESCE(SUM(CASE WHEN sg.kind = 'hold' THEN {dur} END), 0),
		COALESCE(SUM(CASE WHEN sg.kind = 'wrap_up' THEN {dur} END), 0),
		COALESCE(SUM(CASE WHEN sg.billable THEN {dur} END), 0)
		FROM interactions i LEFT JOIN segments sg ON sg.interaction_id = i.id
		WHERE ` + strings.Join(w, " AND ") + `
		GROUP BY i.id ORDER BY i.arrived_at DESC, i.id DESC LIMIT ?`
	dur := "(unixepoch(sg.ended_at, 'subsec') - unixepoch(sg.started_at, 'subsec'))"
	if s.dialect == Postgres {
		dur = "EXTRACT(EPOCH FROM (sg.ended_at - sg.started_at))"
	}
	q = strings.ReplaceAll(q, "{dur}", dur)
	rows, err := s.conn().query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fail(err, "search interactions")
	}
	out, err := collect(rows, func(r scanner) (ContactSummary, error) {
		var (
			c                      ContactSummary
			talk, hold, wrap, bill sql.NullFloat64
		)
		in, err := scanInteraction(extraScanner{r: r, extra: []any{&talk, &hold, &wrap, &bill}})
		if err != nil {
			return c, err
		}
		c.Interaction = in
		c.TalkSeconds, c.HoldSeconds, c.WrapUpSeconds, c.BillableSeconds = talk.Float64, hold.Float64, wrap.Float64, bill.Float64
		end := in.EndedAt
		if in.AnsweredAt != nil {
			w := in.AnsweredAt.Sub(in.ArrivedAt).Seconds()
			c.WaitSeconds, c.ActualWait = w, &w
		} else if end != nil {
			c.WaitSeconds = end.Sub(in.ArrivedAt).Seconds()
		}
		return c, nil
	})
	if err != nil {
		return nil, fail(err, "search interactions")
	}
	return out, nil
}

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

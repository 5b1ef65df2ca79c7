package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plateau-cc/plateau/internal/model"
)

// ErasureKey says whose personal data to erase: every field given must
// match (a phone number, an e-mail address, the center's customer id).
type ErasureKey struct {
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
}

// Erasure is what EraseCustomer erased: counts and the interactions'
// ids, never the data.
type Erasure struct {
	// Interactions whose customer details, notes, survey comment and
	// callback number were erased; Messages the chat messages blanked.
	Interactions int `json:"interactions"`
	Messages     int `json:"messages"`
	// StillOpen counts the customer's contacts not over yet, left as they
	// are: erase again once they end.
	StillOpen int `json:"still_open"`
	// IDs are the erased interactions (their recordings go too).
	IDs []int64 `json:"interaction_ids"`
}

// ErasedText replaces an erased message body.
const ErasedText = "[erased]"

// EraseCustomer erases a customer's personal data from the tenant's ended
// interactions matching key: name, phone, e-mail and customer id, the
// agent's notes, the survey comment, the callback number, the resume
// token, and the bodies of the chat messages. What the reports count is
// kept: states, times, queue, agent, segments, disposition, survey score.
func (s *Store) EraseCustomer(ctx context.Context, tenantID int64, key ErasureKey) (Erasure, error) {
	where, args := erasureWhere(tenantID, key)
	if len(where) == 0 {
		return Erasure{}, invalidInput(model.Keyed("phone", "erasure_key", nil, "give a phone, an email or a customer_id"), "erase customer")
	}
	var out Erasure
	err := s.inTx(ctx, func(c conn) error {
		out = Erasure{}
		rows, err := c.query(ctx, "SELECT id, state FROM interactions WHERE tenant_id = ? AND "+strings.Join(where, " AND ")+" ORDER BY id", args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				id    int64
				state model.InteractionState
			)
			if err := rows.Scan(&id, &state); err != nil {
				rows.Close()
				return err
			}
			if state == model.StateEnded {
				out.IDs = append(out.IDs, id)
			} else {
				out.StillOpen++
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, id := range out.IDs {
			if _, err := c.exec(ctx, `UPDATE interactions SET customer_name = '', customer_phone = '', customer_email = '',
				customer_external_id = '', notes = '', csat_comment = '', resume_token_hash = NULL,
				callback = CASE WHEN callback IS NULL THEN NULL ELSE '{}' END WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
				return err
			}
			res, err := c.exec(ctx, "UPDATE messages SET body = ? WHERE tenant_id = ? AND interaction_id = ? AND body <> ?", ErasedText, tenantID, id, ErasedText)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			out.Messages += int(n)
			// Notes may quote the customer: they go too.
			if _, err := c.exec(ctx, "UPDATE contact_notes SET body = ? WHERE tenant_id = ? AND interaction_id = ?", ErasedText, tenantID, id); err != nil {
				return err
			}
		}
		out.Interactions = len(out.IDs)
		return nil
	})
	if err != nil {
		return Erasure{}, fail(err, "erase customer of tenant %d", tenantID)
	}
	if out.IDs == nil {
		out.IDs = []int64{}
	}
	return out, nil
}

// erasureWhere is the condition on interactions that key names, with its
// arguments after the tenant's id; no condition when key is empty.
func erasureWhere(tenantID int64, key ErasureKey) ([]string, []any) {
	var (
		where []string
		args  = []any{tenantID}
	)
	for _, c := range []struct{ col, v string }{{"customer_phone", key.Phone}, {"customer_email", key.Email}, {"customer_external_id", key.CustomerID}} {
		if v := strings.TrimSpace(c.v); v != "" {
			if c.col == "customer_email" {
				where, args = append(where, "LOWER("+c.col+") = ?"), append(args, strings.ToLower(v))
			} else {
				where, args = append(where, c.col+" = ?"), append(args, v)
			}
		}
	}
	return where, args
}

// PreviewErasure says what EraseCustomer would erase for key, changing
// nothing: the ended interactions and their messages not yet erased, and
// the customer's contacts still open (left alone).
func (s *Store) PreviewErasure(ctx context.Context, tenantID int64, key ErasureKey) (Erasure, error) {
	where, args := erasureWhere(tenantID, key)
	if len(where) == 0 {
		return Erasure{}, invalidInput(model.Keyed("phone", "erasure_key", nil, "give a phone, an email or a customer_id"), "preview erasure")
	}
	out := Erasure{IDs: []int64{}}
	rows, err := s.conn().query(ctx, "SELECT id, state FROM interactions WHERE tenant_id = ? AND "+strings.Join(where, " AND ")+" ORDER BY id", args...)
	if err != nil {
		return Erasure{}, fail(err, "preview erasure in tenant %d", tenantID)
	}
	for rows.Next() {
		var (
			id    int64
			state model.InteractionState
		)
		if err := rows.Scan(&id, &state); err != nil {
			rows.Close()
			return Erasure{}, fail(err, "preview erasure in tenant %d", tenantID)
		}
		if state == model.StateEnded {
			out.IDs = append(out.IDs, id)
		} else {
			out.StillOpen++
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return Erasure{}, fail(err, "preview erasure in tenant %d", tenantID)
	}
	for _, id := range out.IDs {
		var n int
		if err := s.conn().queryRow(ctx, "SELECT COUNT(*) FROM messages WHERE tenant_id = ? AND interaction_id = ? AND body <> ?", tenantID, id, ErasedText).Scan(&n); err != nil {
			return Erasure{}, fail(err, "preview erasure in tenant %d", tenantID)
		}
		out.Messages += n
	}
	out.Interactions = len(out.IDs)
	return out, nil
}

// String describes an erasure without the data.
func (e Erasure) String() string {
	return fmt.Sprintf("%d interactions, %d messages erased, %d still open", e.Interactions, e.Messages, e.StillOpen)
}

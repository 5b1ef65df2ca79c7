package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// GetRetention returns the tenant's retention (the defaults when never set).
func (s *Store) GetRetention(ctx context.Context, tenantID int64) (model.Retention, error) {
	r := model.Retention{TenantID: tenantID}
	err := s.conn().queryRow(ctx, "SELECT transcript_days, recording_days, customer_days FROM retention WHERE tenant_id = ?", tenantID).
		Scan(&r.TranscriptDays, &r.RecordingDays, &r.CustomerDays)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.GetTenant(ctx, tenantID); err != nil {
			return model.Retention{}, err
		}
		return model.DefaultRetention(tenantID), nil
	}
	if err != nil {
		return model.Retention{}, fail(err, "get retention of tenant %d", tenantID)
	}
	return r, nil
}

// SetRetention sets the tenant's retention.
func (s *Store) SetRetention(ctx context.Context, r model.Retention) error {
	if err := r.Validate(); err != nil {
		return invalidInput(err, "set retention of tenant %d", r.TenantID)
	}
	err := s.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "UPDATE retention SET transcript_days = ?, recording_days = ?, customer_days = ? WHERE tenant_id = ?",
			r.TranscriptDays, r.RecordingDays, r.CustomerDays, r.TenantID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		_, err = c.exec(ctx, "INSERT INTO retention (tenant_id, transcript_days, recording_days, customer_days) VALUES (?, ?, ?, ?)",
			r.TenantID, r.TranscriptDays, r.RecordingDays, r.CustomerDays)
		return err
	})
	if err != nil {
		return fail(err, "set retention of tenant %d", r.TenantID)
	}
	return nil
}

// Retained is what ApplyRetention removed.
type Retained struct {
	Messages     int // chat messages blanked
	Interactions int // interactions whose customer details were erased
}

// ApplyRetention removes what the tenant's retention says is too old at
// now: the bodies of chat messages of contacts ended more than
// TranscriptDays ago, and the customer details, notes and survey comments
// of those ended more than CustomerDays ago. Recordings are files: the
// server's retention job removes them.
func (s *Store) ApplyRetention(ctx context.Context, r model.Retention, now time.Time) (Retained, error) {
	var out Retained
	err := s.inTx(ctx, func(c conn) error {
		out = Retained{}
		if r.TranscriptDays > 0 {
			before := ts(now.AddDate(0, 0, -r.TranscriptDays))
			res, err := c.exec(ctx, `UPDATE messages SET body = ? WHERE tenant_id = ? AND body <> ? AND interaction_id IN
				(SELECT id FROM interactions WHERE tenant_id = ? AND state = ? AND ended_at < ?)`,
				ErasedText, r.TenantID, ErasedText, r.TenantID, model.StateEnded, before)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			out.Messages = int(n)
		}
		if r.CustomerDays > 0 {
			before := ts(now.AddDate(0, 0, -r.CustomerDays))
			res, err := c.exec(ctx, `UPDATE interactions SET customer_name = '', customer_phone = '', customer_email = '',
				customer_external_id = '', notes = '', csat_comment = '', resume_token_hash = NULL,
				callback = CASE WHEN callback IS NULL THEN NULL ELSE '{}' END
				WHERE tenant_id = ? AND state = ? AND ended_at < ? AND (customer_name <> '' OR customer_phone <> '' OR customer_email <> ''
				OR customer_external_id <> '' OR notes <> '' OR csat_comment <> '')`, r.TenantID, model.StateEnded, before)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			out.Interactions = int(n)
		}
		return nil
	})
	if err != nil {
		return Retained{}, fail(err, "apply retention of tenant %d", r.TenantID)
	}
	return out, nil
}

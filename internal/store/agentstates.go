package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Agent state history: one row per stretch of an agent's state (logged in
// or out, ready, not ready with its reason, offered, busy, wrap-up), the
// open one without ended_at.

// Agent states as stored (acd.AgentState's names).
var agentStates = []string{"logged_out", "ready", "not_ready", "offered", "busy", "wrap_up"}

// AgentStateChange is an agent entering a state at At.
type AgentStateChange struct {
	TenantID, AgentID int64
	State, Reason     string
	At                time.Time
}

// AgentStateSpan is a stored stretch of an agent's state.
type AgentStateSpan struct {
	ID, TenantID, AgentID int64
	State, Reason         string
	Start                 time.Time
	End                   *time.Time // nil: still in it
	// Rolled: the stretch is in the rollups.
	Rolled bool
}

// AppendAgentStates records changes in one transaction, in order: each
// closes the agent's open stretch (at the change's time, or at its start
// if the change is older) and opens a new one; a stretch into logged_out
// is closed at once (logged out time is not kept). An invalid change
// refuses the batch.
func (s *Store) AppendAgentStates(ctx context.Context, changes []AgentStateChange) error {
	for _, ch := range changes {
		if err := validEnum("state", ch.State, agentStates); err != nil {
			return invalidInput(err, "record agent %d's state", ch.AgentID)
		}
		if err := model.CheckText("reason", ch.Reason, model.MaxNameLen); err != nil {
			return invalidInput(err, "record agent %d's state", ch.AgentID)
		}
		if ch.At.IsZero() {
			return invalidInput(&model.ValidationError{Field: "at", Message: "must be set"}, "record agent %d's state", ch.AgentID)
		}
	}
	err := s.inTx(ctx, func(c conn) error {
		owned := s.fencedTenants(ctx, c)
		for _, ch := range changes {
			if !owned(ch.TenantID) {
				continue
			}
			at := ts(ch.At)
			if _, err := c.exec(ctx, `UPDATE agent_states SET ended_at = CASE WHEN started_at > ? THEN started_at ELSE ? END
				WHERE tenant_id = ? AND agent_id = ? AND ended_at IS NULL`, at, at, ch.TenantID, ch.AgentID); err != nil {
				return fmt.Errorf("close agent %d's state: %w", ch.AgentID, err)
			}
			if ch.State == "logged_out" {
				continue
			}
			if _, err := c.exec(ctx, "INSERT INTO agent_states (tenant_id, agent_id, state, reason, started_at) VALUES (?, ?, ?, ?, ?)",
				ch.TenantID, ch.AgentID, ch.State, ch.Reason, at); err != nil {
				return fmt.Errorf("open agent %d's state: %w", ch.AgentID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fail(err, "record %d agent state changes", len(changes))
	}
	return nil
}

// CloseAgentStates closes every open stretch at at: what a starting server
// does, its agents being signed out by the restart.
func (s *Store) CloseAgentStates(ctx context.Context, at time.Time) error {
	if _, err := s.conn().exec(ctx, "UPDATE agent_states SET ended_at = CASE WHEN started_at > ? THEN started_at ELSE ? END WHERE ended_at IS NULL",
		ts(at), ts(at)); err != nil {
		return fail(err, "close open agent states")
	}
	return nil
}

const agentStateCols = "id, tenant_id, agent_id, state, reason, started_at, ended_at, rolled"

func scanAgentState(r scanner) (AgentStateSpan, error) {
	var (
		a   AgentStateSpan
		end sql.NullTime
	)
	err := r.Scan(&a.ID, &a.TenantID, &a.AgentID, &a.State, &a.Reason, &a.Start, &end, &a.Rolled)
	a.Start = a.Start.UTC()
	a.End = timePtr(end)
	return a, err
}

// UnrolledAgentStates returns up to limit closed stretches not yet in the
// rollups, by id.
func (s *Store) UnrolledAgentStates(ctx context.Context, limit int) ([]AgentStateSpan, error) {
	rows, err := s.conn().query(ctx, "SELECT "+agentStateCols+" FROM agent_states WHERE ended_at IS NOT NULL AND rolled = ? ORDER BY id LIMIT ?", false, limit)
	if err != nil {
		return nil, fail(err, "list agent states to roll up")
	}
	out, err := collect(rows, scanAgentState)
	if err != nil {
		return nil, fail(err, "list agent states to roll up")
	}
	return out, nil
}

// AgentStateSpans returns a tenant's stretches that overlap [from, to)
// (open ones included), by start; agentID 0 means every agent.
func (s *Store) AgentStateSpans(ctx context.Context, tenantID, agentID int64, from, to time.Time) ([]AgentStateSpan, error) {
	q := "SELECT " + agentStateCols + " FROM agent_states WHERE tenant_id = ? AND started_at < ? AND (ended_at IS NULL OR ended_at > ?)"
	args := []any{tenantID, ts(to), ts(from)}
	if agentID != 0 {
		q += " AND agent_id = ?"
		args = append(args, agentID)
	}
	rows, err := s.conn().query(ctx, q+" ORDER BY started_at, id", args...)
	if err != nil {
		return nil, fail(err, "list agent states of tenant %d", tenantID)
	}
	out, err := collect(rows, scanAgentState)
	if err != nil {
		return nil, fail(err, "list agent states of tenant %d", tenantID)
	}
	return out, nil
}

// AddAgentStateRollups adds rows to rollup_agent_state and marks the
// stretches they came from rolled, in one transaction; a stretch already
// rolled (by another worker) is skipped with its rows.
func (s *Store) AddAgentStateRollups(ctx context.Context, spans []AgentStateSpan, rows func(AgentStateSpan) []AgentStateRollup) error {
	err := s.inTx(ctx, func(c conn) error {
		type key struct {
			tenant int64
			AgentStateKey
		}
		sums := map[key]int64{}
		var keys []key
		for _, sp := range spans {
			res, err := c.exec(ctx, "UPDATE agent_states SET rolled = ? WHERE id = ? AND rolled = ?", true, sp.ID, false)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				continue
			}
			for _, r := range rows(sp) {
				k := key{sp.TenantID, r.AgentStateKey}
				if _, ok := sums[k]; !ok {
					keys = append(keys, k)
				}
				sums[k] += r.MS
			}
		}
		list := make([][]any, len(keys))
		for i, k := range keys {
			list[i] = []any{k.tenant, ts(k.Bucket), k.AgentID, k.State, k.Reason, sums[k]}
		}
		return upsertMany(ctx, c, "rollup_agent_state", stateKeyCols, stateKeyCols, stateValueCols, list)
	})
	if err != nil {
		return fail(err, "roll up %d agent states", len(spans))
	}
	return nil
}

// ReplaceAgentStateRollups replaces a tenant's rollup_agent_state rows of
// [from, to) by rows, in one transaction (a rebuild).
func (s *Store) ReplaceAgentStateRollups(ctx context.Context, tenantID int64, from, to time.Time, rows []AgentStateRollup) error {
	err := s.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "DELETE FROM rollup_agent_state WHERE tenant_id = ? AND bucket >= ? AND bucket < ?", tenantID, ts(from), ts(to)); err != nil {
			return err
		}
		list := make([][]any, len(rows))
		for i, r := range rows {
			list[i] = []any{tenantID, ts(r.Bucket), r.AgentID, r.State, r.Reason, r.MS}
		}
		return upsertMany(ctx, c, "rollup_agent_state", stateKeyCols, stateKeyCols, stateValueCols, list)
	})
	if err != nil {
		return fail(err, "rebuild agent state rollups of tenant %d", tenantID)
	}
	return nil
}

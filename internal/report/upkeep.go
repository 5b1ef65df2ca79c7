package report

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/plateau-cc/plateau/internal/store"
)

// UpkeepStore is what Upkeep needs of the store.
type UpkeepStore interface {
	DirtyContacts(ctx context.Context, limit int) ([]store.ReportContact, error)
	ApplyContributions(ctx context.Context, changes []store.ContributionChange) (int, error)
	AgentSites(ctx context.Context, tenantID int64) (map[int64]int64, error)
	UnrolledAgentStates(ctx context.Context, limit int) ([]store.AgentStateSpan, error)
	AddAgentStateRollups(ctx context.Context, spans []store.AgentStateSpan, rows func(store.AgentStateSpan) []store.AgentStateRollup) error
}

// Upkeep keeps the rollups up to date: it applies every ended contact's
// change (its end, its survey) and every closed stretch of agent state,
// in batches, on a goroutine of its own, so that the live center never
// waits for it. What it has not applied yet is marked in the database
// (report_pending > report_done, rolled = false), so a crash loses
// nothing: it is applied after the restart.
type Upkeep struct {
	st    UpkeepStore
	log   *slog.Logger
	every time.Duration
	batch int
	// pause is the rest between two batches while Run drains a backlog,
	// so that the live center's own writes get the database in between.
	pause time.Duration
	nudge chan struct{}
}

// SetPause sets the rest between two batches of Run (0: none).
func (u *Upkeep) SetPause(d time.Duration) { u.pause = d }

// NewUpkeep returns an upkeep that looks for work every `every` (and when
// nudged), batch contacts at a time.
func NewUpkeep(st UpkeepStore, log *slog.Logger, every time.Duration, batch int) *Upkeep {
	if every <= 0 {
		every = time.Second
	}
	if batch <= 0 {
		batch = 256
	}
	return &Upkeep{st: st, log: log, every: every, batch: batch, nudge: make(chan struct{}, 1)}
}

// Nudge asks for a pass soon; it never blocks.
func (u *Upkeep) Nudge() {
	select {
	case u.nudge <- struct{}{}:
	default:
	}
}

// Run works until ctx is done.
func (u *Upkeep) Run(ctx context.Context) {
	t := time.NewTicker(u.every)
	defer t.Stop()
	for {
		for {
			n, more, err := u.pass(ctx)
			if err != nil {
				if ctx.Err() == nil {
					u.log.Warn("report rollups", "err", err)
				}
				break
			}
			if !more || n == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(u.pause):
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-u.nudge:
		}
	}
}

// Drain applies everything pending and returns how many contacts and
// stretches it applied.
func (u *Upkeep) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := u.pass(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

func (u *Upkeep) pass(ctx context.Context) (int, bool, error) {
	contacts, err := u.st.DirtyContacts(ctx, u.batch)
	if err != nil {
		return 0, false, err
	}
	envs := map[int64]*Env{}
	changes := make([]store.ContributionChange, 0, len(contacts))
	for _, rc := range contacts {
		if envs[rc.TenantID] == nil {
			m, err := u.st.AgentSites(ctx, rc.TenantID)
			if err != nil {
				return 0, false, err
			}
			envs[rc.TenantID] = &Env{Sites: m}
		}
		ch, err := Change(rc, envs[rc.TenantID])
		if err != nil {
			return 0, false, err
		}
		changes = append(changes, ch)
	}
	applied := 0
	if len(changes) > 0 {
		if applied, err = u.st.ApplyContributions(ctx, changes); err != nil {
			return 0, false, err
		}
	}
	spans, err := u.st.UnrolledAgentStates(ctx, u.batch)
	if err != nil {
		return applied, false, err
	}
	if len(spans) > 0 {
		if err := u.st.AddAgentStateRollups(ctx, spans, func(sp store.AgentStateSpan) []store.AgentStateRollup {
			return SplitState(sp, *sp.End, sp.Start, *sp.End)
		}); err != nil {
			return applied, false, err
		}
	}
	return applied + len(spans), len(contacts) == u.batch || len(spans) == u.batch, nil
}

// Change is the change that brings the rollups from what they hold for rc
// to its contribution now.
func Change(rc store.ReportContact, env *Env) (store.ContributionChange, error) {
	held, err := store.DecodeContribution(rc.Held)
	if err != nil {
		return store.ContributionChange{}, fmt.Errorf("contact %d: %w", rc.ID, err)
	}
	next := Contribute(rc, env)
	return store.ContributionChange{TenantID: rc.TenantID, InteractionID: rc.ID, Done: rc.Pending, Held: rc.Held,
		New: next, Delta: Delta(held, next)}, nil
}

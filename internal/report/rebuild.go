package report

import (
	"context"
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/store"
)

// RebuildStore is what Rebuild needs of the store.
type RebuildStore interface {
	ContactsArrived(ctx context.Context, tenantID int64, from, to time.Time, afterID int64, limit int) ([]store.ReportContact, error)
	AgentSites(ctx context.Context, tenantID int64) (map[int64]int64, error)
	RebuildChunk(ctx context.Context, tenantID int64, from, to time.Time, contribs map[int64]store.ContributionChange) error
	AgentStateSpans(ctx context.Context, tenantID, agentID int64, from, to time.Time) ([]store.AgentStateSpan, error)
	ReplaceAgentStateRollups(ctx context.Context, tenantID int64, from, to time.Time, rows []store.AgentStateRollup) error
}

// RebuildStats says what a rebuild did.
type RebuildStats struct {
	Days, Contacts, StateSpans int
}

// rebuildPage is how many contacts a rebuild reads at a time.
const rebuildPage = 5000

// Rebuild recomputes a tenant's rollups of [from, to) (rounded out to
// whole intervals) from the raw records, a UTC day per transaction: the
// contacts that arrived then, and the agents' closed stretches of state
// already rolled up (the others are still the upkeep's to add, whole).
// After it, the rollups are what the upkeep would have made from the same
// records.
func Rebuild(ctx context.Context, st RebuildStore, tenantID int64, from, to time.Time) (RebuildStats, error) {
	var stats RebuildStats
	from = kpi.Bucket(from)
	if b := kpi.Bucket(to); b.Before(to) {
		to = b.Add(kpi.Interval)
	}
	if !from.Before(to) {
		return stats, fmt.Errorf("rebuild rollups: from %s is not before to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	sites, err := st.AgentSites(ctx, tenantID)
	if err != nil {
		return stats, err
	}
	for day := from; day.Before(to); {
		next := day.Truncate(24 * time.Hour).Add(24 * time.Hour)
		if next.After(to) {
			next = to
		}
		contribs := map[int64]store.ContributionChange{}
		var after int64
		for {
			page, err := st.ContactsArrived(ctx, tenantID, day, next, after, rebuildPage)
			if err != nil {
				return stats, err
			}
			for _, rc := range page {
				contribs[rc.ID] = store.ContributionChange{TenantID: tenantID, InteractionID: rc.ID, Done: rc.Pending, New: Contribute(rc, sites)}
				after = rc.ID
			}
			if len(page) < rebuildPage {
				break
			}
		}
		if err := st.RebuildChunk(ctx, tenantID, day, next, contribs); err != nil {
			return stats, err
		}
		spans, err := st.AgentStateSpans(ctx, tenantID, 0, day, next)
		if err != nil {
			return stats, err
		}
		rows := map[store.AgentStateKey]int64{}
		n := 0
		for _, sp := range spans {
			if !sp.Rolled || sp.End == nil {
				continue
			}
			n++
			for _, r := range SplitState(sp, *sp.End, day, next) {
				rows[r.AgentStateKey] += r.MS
			}
		}
		list := make([]store.AgentStateRollup, 0, len(rows))
		for k, ms := range rows {
			list = append(list, store.AgentStateRollup{AgentStateKey: k, MS: ms})
		}
		if err := st.ReplaceAgentStateRollups(ctx, tenantID, day, next, list); err != nil {
			return stats, err
		}
		stats.Days++
		stats.Contacts += len(contribs)
		stats.StateSpans += n
		day = next
	}
	return stats, nil
}

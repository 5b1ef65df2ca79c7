package store

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestSearchPagesKeepSums walks a period in small pages whose edges fall
// inside runs of contacts that arrived at the same instant: every contact
// comes once, newest first, each with its own talk, hold and billable
// seconds (the segments are read for the page's arrival range, never
// another's), and a period's bounds hold with and without a cursor.
func TestSearchPagesKeepSums(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		q, agent := f.chat.ID, f.agent.ID
		at := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
		var list []PastContact
		for i := range 23 {
			arrive := at.Add(time.Duration(i/4) * time.Minute) // four at each instant
			ans := arrive.Add(5 * time.Second)
			talkEnd := ans.Add(time.Duration(10+i) * time.Second)
			holdEnd := talkEnd.Add(time.Duration(i) * time.Second)
			list = append(list, PastContact{
				Interaction: model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: arrive, AnsweredAt: &ans, EndedAt: &holdEnd,
					EndedReason: model.EndAnswered, AgentID: &agent},
				Segments: []model.Segment{
					{Kind: model.SegQueued, QueueID: &q, StartedAt: arrive, EndedAt: &ans},
					{Kind: model.SegConnected, QueueID: &q, AgentID: &agent, StartedAt: ans, EndedAt: &talkEnd, Billable: true},
					{Kind: model.SegHold, QueueID: &q, AgentID: &agent, StartedAt: talkEnd, EndedAt: &holdEnd, Billable: true},
				},
			})
		}
		noErr(t, s.ImportPastContacts(ctx, f.tenant.ID, list), "import")
		for _, tc := range []struct {
			name     string
			from, to time.Time
			want     int
		}{
			{"whole", time.Time{}, time.Time{}, 23},
			{"bounded", at.Add(time.Minute), at.Add(4 * time.Minute), 12},
		} {
			filter := InteractionFilter{From: tc.from, To: tc.to}
			seen := map[int64]bool{}
			var last *ContactSummary
			for page := 0; ; page++ {
				got, err := s.searchPage(ctx, f.tenant.ID, filter, 3)
				noErr(t, err, "page")
				for i := range got {
					c := got[i]
					if seen[c.ID] {
						t.Fatalf("%s: contact %d twice", tc.name, c.ID)
					}
					seen[c.ID] = true
					if last != nil && (c.ArrivedAt.After(last.ArrivedAt) || c.ArrivedAt.Equal(last.ArrivedAt) && c.ID > last.ID) {
						t.Fatalf("%s: %d after %d out of order", tc.name, c.ID, last.ID)
					}
					talk := c.EndedAt.Sub(*c.AnsweredAt).Seconds() - c.HoldSeconds
					if c.TalkSeconds != talk || c.TalkSeconds < 10 || c.BillableSeconds != c.TalkSeconds+c.HoldSeconds || c.HoldSeconds != c.TalkSeconds-10 {
						t.Fatalf("%s: contact %d has talk %v hold %v billable %v", tc.name, c.ID, c.TalkSeconds, c.HoldSeconds, c.BillableSeconds)
					}
					if (!tc.from.IsZero() && c.ArrivedAt.Before(tc.from)) || (!tc.to.IsZero() && !c.ArrivedAt.Before(tc.to)) {
						t.Fatalf("%s: contact %d arrived %v, outside the period", tc.name, c.ID, c.ArrivedAt)
					}
					last = &got[i]
				}
				if len(got) < 3 {
					break
				}
				filter.BeforeArrival, filter.BeforeID = last.ArrivedAt, last.ID
			}
			if len(seen) != tc.want {
				t.Errorf("%s: %d contacts, want %d", tc.name, len(seen), tc.want)
			}
		}
	})
}

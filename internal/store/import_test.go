package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestImportPastContacts: past contacts are stored in bulk with their
// segments and marked for the rollups; a bad one refuses the import whole,
// naming it; ids keep growing for live contacts after an import.
func TestImportPastContacts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		at := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
		agent := f.agent.ID
		q := f.chat.ID
		var list []PastContact
		for i := range 900 { // more than one batch
			arrive := at.Add(time.Duration(i) * time.Minute)
			ans, end := arrive.Add(10*time.Second), arrive.Add(3*time.Minute)
			list = append(list, PastContact{
				Interaction: model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: arrive, AnsweredAt: &ans, EndedAt: &end,
					EndedReason: model.EndAnswered, AgentID: &agent, Customer: model.Customer{Name: "Ada"}},
				Segments: []model.Segment{
					{Kind: model.SegQueued, QueueID: &q, StartedAt: arrive, EndedAt: &ans},
					{Kind: model.SegConnected, QueueID: &q, AgentID: &agent, StartedAt: ans, EndedAt: &end, Billable: true},
				},
			})
		}
		noErr(t, s.ImportPastContacts(ctx, tid, list), "import")
		dirty, err := s.DirtyContacts(ctx, 2000)
		noErr(t, err, "dirty")
		if len(dirty) != 900 || len(dirty[899].Segments) != 2 || !dirty[899].ArrivedAt.Equal(at.Add(899*time.Minute)) || dirty[0].State != model.StateEnded {
			t.Fatalf("%d dirty contacts after the import", len(dirty))
		}
		id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: time.Now()})
		noErr(t, err, "a live contact after the import")
		if id <= dirty[899].ID {
			t.Errorf("live id %d not above the imported %d", id, dirty[899].ID)
		}

		bad := append([]PastContact{}, list[:2]...)
		bad[1].EndedAt = nil
		err = s.ImportPastContacts(ctx, tid, bad)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "contact 2 of 2") {
			t.Errorf("a contact without end: %v", err)
		}
		bad = append([]PastContact{}, list[:1]...)
		bad[0].Segments = []model.Segment{{Kind: model.SegQueued, QueueID: &q, StartedAt: at, EndedAt: &at, Billable: true}}
		if err := s.ImportPastContacts(ctx, tid, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("a billable wait: %v", err)
		}
		after, err := s.DirtyContacts(ctx, 2000)
		noErr(t, err, "dirty")
		if len(after) != 900 {
			t.Errorf("refused imports stored something: %d", len(after))
		}
	})
}

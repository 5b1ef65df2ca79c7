package store

import (
	"context"
	"database/sql"

	"github.com/plateau-cc/plateau/internal/model"
)

const noteColumns = "id, interaction_id, kind, agent_id, user_id, author, body, created_at"

func scanNote(r scanner) (model.Note, error) {
	var (
		n             model.Note
		agent, userID sql.NullInt64
	)
	err := r.Scan(&n.ID, &n.InteractionID, &n.Kind, &agent, &userID, &n.Author, &n.Body, &n.CreatedAt)
	n.AgentID, n.UserID = int64Ptr(agent), int64Ptr(userID)
	n.CreatedAt = n.CreatedAt.UTC()
	return n, err
}

// AddNote stores a note on one of the tenant's interactions (never shown
// to its customer). A zero CreatedAt means now.
func (s *Store) AddNote(ctx context.Context, tenantID, interactionID int64, n model.Note) (model.Note, error) {
	if err := n.Validate(); err != nil {
		return model.Note{}, invalidInput(err, "add note to interaction %d", interactionID)
	}
	n.InteractionID = interactionID
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.now()
	}
	n.CreatedAt = ts(n.CreatedAt)
	err := s.tenantTx(ctx, tenantID, func(c conn) error {
		if err := checkIDsExist(ctx, c, "interactions", tenantID, "contact_id", []int64{interactionID}); err != nil {
			return err
		}
		id, err := c.insert(ctx, "INSERT INTO contact_notes (tenant_id, interaction_id, kind, agent_id, user_id, author, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			tenantID, interactionID, n.Kind, nullInt64(n.AgentID), nullInt64(n.UserID), n.Author, n.Body, n.CreatedAt)
		n.ID = id
		return err
	})
	if err != nil {
		return model.Note{}, fail(err, "add note to interaction %d", interactionID)
	}
	return n, nil
}

// ListNotes returns the notes of one of the tenant's interactions, oldest
// first.
func (s *Store) ListNotes(ctx context.Context, tenantID, interactionID int64) ([]model.Note, error) {
	rows, err := s.conn().query(ctx, "SELECT "+noteColumns+" FROM contact_notes WHERE tenant_id = ? AND interaction_id = ? ORDER BY id", tenantID, interactionID)
	if err != nil {
		return nil, fail(err, "list notes of interaction %d", interactionID)
	}
	out, err := collect(rows, scanNote)
	if err != nil {
		return nil, fail(err, "list notes of interaction %d", interactionID)
	}
	return out, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/plateau-cc/plateau/internal/model"
)

const messageCols = "id, interaction_id, seq, sender, agent_id, client_msg_id, body, sent_at"

func scanMessage(r scanner) (model.Message, error) {
	var (
		m        model.Message
		agentID  sql.NullInt64
		clientID sql.NullString
	)
	err := r.Scan(&m.ID, &m.InteractionID, &m.Seq, &m.Sender, &agentID, &clientID, &m.Body, &m.SentAt)
	m.AgentID = int64Ptr(agentID)
	m.ClientMsgID = clientID.String
	m.SentAt = m.SentAt.UTC()
	return m, err
}

// existingMessage carries an already stored message out of a rolled-back
// transaction.
type existingMessage struct{ m model.Message }

func (existingMessage) Error() string { return "message already stored" }

// AppendMessage stores a chat message of one of the tenant's interactions,
// numbering it with the interaction's next seq (1, 2, 3... without gaps,
// even under concurrent appends). It is idempotent on ClientMsgID: when a
// message with the same non-empty ClientMsgID is already stored, that message
// is returned with created false and nothing is written; the same key with a
// different sender or body is ErrConflict. A zero SentAt means now.
func (s *Store) AppendMessage(ctx context.Context, tenantID, interactionID int64, m model.Message) (model.Message, bool, error) {
	if err := m.Validate(); err != nil {
		return model.Message{}, false, invalidInput(err, "append message to interaction %d", interactionID)
	}
	m.InteractionID = interactionID
	if m.SentAt.IsZero() {
		m.SentAt = s.now()
	}
	m.SentAt = ts(m.SentAt)
	err := s.tenantTx(ctx, tenantID, func(c conn) error {
		// Bumping the counter first locks the interaction's row (PostgreSQL)
		// or holds the write lock (SQLite, BEGIN IMMEDIATE), so concurrent
		// appends to one interaction run one after the other.
		if err := c.queryRow(ctx, "UPDATE interactions SET last_msg_seq = last_msg_seq + 1 WHERE tenant_id = ? AND id = ? RETURNING last_msg_seq",
			tenantID, interactionID).Scan(&m.Seq); err != nil {
			return err
		}
		if m.ClientMsgID != "" {
			prev, err := scanMessage(c.queryRow(ctx, "SELECT "+messageCols+" FROM messages WHERE tenant_id = ? AND interaction_id = ? AND client_msg_id = ?",
				tenantID, interactionID, m.ClientMsgID))
			switch {
			case err == nil:
				if prev.Sender != m.Sender || prev.Body != m.Body || !sameID(prev.AgentID, m.AgentID) {
					return fmt.Errorf("%w: client_msg_id %q already used for another message", ErrConflict, m.ClientMsgID)
				}
				return existingMessage{prev} // rolls the counter back
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		if m.AgentID != nil {
			if err := checkIDsExist(ctx, c, "agents", tenantID, "agent_id", []int64{*m.AgentID}); err != nil {
				return err
			}
		}
		id, err := c.insert(ctx, "INSERT INTO messages (tenant_id, interaction_id, seq, sender, agent_id, client_msg_id, body, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			tenantID, interactionID, m.Seq, m.Sender, nullInt64(m.AgentID), nullString(m.ClientMsgID), m.Body, m.SentAt)
		m.ID = id
		return err
	})
	var existing existingMessage
	if errors.As(err, &existing) {
		return existing.m, false, nil
	}
	if err != nil {
		return model.Message{}, false, fail(err, "append message to interaction %d", interactionID)
	}
	return m, true, nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// ListMessages returns the messages of one of the tenant's interactions with
// seq above afterSeq (0: all), in seq order.
func (s *Store) ListMessages(ctx context.Context, tenantID, interactionID, afterSeq int64) ([]model.Message, error) {
	var out []model.Message
	err := s.readInteractionChildren(ctx, tenantID, interactionID, func(c conn) error {
		rows, err := c.query(ctx, "SELECT "+messageCols+" FROM messages WHERE tenant_id = ? AND interaction_id = ? AND seq > ? ORDER BY seq",
			tenantID, interactionID, afterSeq)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanMessage)
		return err
	})
	if err != nil {
		return nil, fail(err, "list messages of interaction %d", interactionID)
	}
	return out, nil
}

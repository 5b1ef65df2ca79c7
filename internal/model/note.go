package model

import (
	"strings"
	"time"
	"unicode/utf8"
)

// NoteKind says who wrote a contact note and for whom.
type NoteKind string

// Note kinds. Customers never see notes.
const (
	// NoteInternal is an agent's note on the contact, for colleagues and
	// supervisors.
	NoteInternal NoteKind = "note"
	// NoteConsult is an agent's question to the supervisors about a live
	// contact (the wallboard shows it).
	NoteConsult NoteKind = "consult"
	// NoteSupervisor is a supervisor's private note to the agent holding
	// the contact.
	NoteSupervisor NoteKind = "supervisor"
	// NoteTransfer is what an agent passes on with a transfer.
	NoteTransfer NoteKind = "transfer"
)

// NoteKinds lists the kinds.
func NoteKinds() []NoteKind {
	return []NoteKind{NoteInternal, NoteConsult, NoteSupervisor, NoteTransfer}
}

// MaxNoteLen is the longest note body, in characters.
const MaxNoteLen = 2000

// Note is a note on a contact that its customer never sees.
type Note struct {
	ID            int64     `json:"id"`
	InteractionID int64     `json:"contact_id"`
	Kind          NoteKind  `json:"kind"`
	AgentID       *int64    `json:"agent_id,omitempty"` // written by this agent
	UserID        *int64    `json:"user_id,omitempty"`  // written by this user (a supervisor)
	Author        string    `json:"author"`
	Body          string    `json:"body"`
	CreatedAt     time.Time `json:"created_at"`
}

// Validate checks a note about to be stored.
func (n *Note) Validate() error {
	if err := checkEnum("kind", n.Kind, NoteKinds()); err != nil {
		return err
	}
	if strings.TrimSpace(n.Body) == "" {
		return invalid("body", "is required")
	}
	if c := utf8.RuneCountInString(n.Body); c > MaxNoteLen || !utf8.ValidString(n.Body) {
		return invalid("body", "must be valid text of at most %d characters (got %d)", MaxNoteLen, c)
	}
	if utf8.RuneCountInString(n.Author) > MaxNameLen {
		return invalid("author", "must be at most %d characters", MaxNameLen)
	}
	return nil
}

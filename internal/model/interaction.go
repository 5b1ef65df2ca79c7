package model

import (
	"strings"
	"time"
)

// InteractionState is where a contact is in its life.
type InteractionState string

// Interaction states. Ended is terminal.
const (
	StateQueued    InteractionState = "queued"
	StateOffered   InteractionState = "offered"
	StateConnected InteractionState = "connected"
	StateWrapUp    InteractionState = "wrap_up"
	StateCallback  InteractionState = "callback"
	StateEnded     InteractionState = "ended"
)

// InteractionStates lists the known states.
func InteractionStates() []InteractionState {
	return []InteractionState{StateQueued, StateOffered, StateConnected, StateWrapUp, StateCallback, StateEnded}
}

// EndedReason says why an interaction ended.
type EndedReason string

// Ended reasons.
const (
	EndAnswered    EndedReason = "answered"    // handled by an agent
	EndAbandoned   EndedReason = "abandoned"   // customer left while waiting
	EndOverflow    EndedReason = "overflow"    // closed by the queue's overflow rule after its maximum wait
	EndClosed      EndedReason = "closed"      // arrived or waited outside opening hours / queue closed it
	EndTransferred EndedReason = "transferred" // transferred out by an agent
	EndRejected    EndedReason = "rejected"    // queue full (max_waiting) with no overflow
	EndFailed      EndedReason = "failed"      // technical failure
)

// EndedReasons lists the known reasons.
func EndedReasons() []EndedReason {
	return []EndedReason{EndAnswered, EndAbandoned, EndOverflow, EndClosed, EndTransferred, EndRejected, EndFailed}
}

// Customer identifies the person behind a contact; every field is optional.
type Customer struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Email      string `json:"email"`
	ExternalID string `json:"external_id"`
}

// Callback is a customer's request to be called (Number) or written back
// (WriteBack) when their turn comes, keeping their place.
type Callback struct {
	Number    string `json:"number,omitempty"`
	WriteBack bool   `json:"write_back,omitempty"`
}

// Validate checks that exactly one way back is given.
func (c *Callback) Validate() error {
	if c.Number == "" && !c.WriteBack {
		return invalid("callback", "needs a number or write_back")
	}
	if c.Number != "" && c.WriteBack {
		return invalid("callback", "takes a number or write_back, not both")
	}
	if c.Number != "" && !e164RE.MatchString(c.Number) && !sipUserRE.MatchString(c.Number) {
		return invalid("callback.number", "must be an E.164 number such as +33123456789 (got %q)", c.Number)
	}
	return nil
}

// Interaction is one contact (call or chat) from arrival to end.
type Interaction struct {
	ID       int64   `json:"id"`
	TenantID int64   `json:"tenant_id"`
	QueueID  int64   `json:"queue_id"`
	Channel  Channel `json:"channel"`
	// Tier is the queue's service tier the contact waits in ("" is the default tier).
	Tier        string           `json:"tier"`
	Customer    Customer         `json:"customer"`
	State       InteractionState `json:"state"`
	EndedReason EndedReason      `json:"ended_reason,omitempty"`
	ArrivedAt   time.Time        `json:"arrived_at"`
	AnsweredAt  *time.Time       `json:"answered_at"`
	EndedAt     *time.Time       `json:"ended_at"`
	// AnnouncedEWTSeconds and AnnouncedPosition are what the customer was
	// told on arrival, kept to measure the accuracy of announcements.
	AnnouncedEWTSeconds *int      `json:"announced_ewt_seconds"`
	AnnouncedPosition   *int      `json:"announced_position"`
	AgentID             *int64    `json:"agent_id"`
	Disposition         string    `json:"disposition"`
	Notes               string    `json:"notes"`
	CSATScore           *int      `json:"csat_score"`
	CSATComment         string    `json:"csat_comment"`
	Callback            *Callback `json:"callback"`
	// EntryPointID is the entry point the contact came through (nil: none,
	// e.g. created through the API).
	EntryPointID *int64 `json:"entry_point_id"`
	// QueuePath lists the queues the contact waited in, in order (the last
	// is QueueID).
	QueuePath []int64 `json:"queue_path"`
	// MenuChoice is what the caller did in the voice menu: "option:K" (key
	// K chose its queue), "zero" (0, the entry point's queue), "default"
	// (no choice: the entry point's queue); "" without a menu.
	MenuChoice string `json:"menu_choice,omitempty"`
	// ToldNoAgent is set when the customer was told a wait while no agent
	// who could take the contact was signed in.
	ToldNoAgent bool `json:"told_no_agent,omitempty"`
	// ResumeTokenHash is the hex SHA-256 of the token a chat customer holds
	// to rejoin the conversation; not serialised.
	ResumeTokenHash string `json:"-"`
}

// Validate checks the fields given when a contact arrives.
func (in *Interaction) Validate() error {
	if err := checkID("queue_id", in.QueueID); err != nil {
		return err
	}
	if err := checkEnum("channel", in.Channel, Channels()); err != nil {
		return err
	}
	if err := checkText("tier", in.Tier, MaxNameLen); err != nil {
		return err
	}
	if err := in.Customer.Validate(); err != nil {
		return err
	}
	if in.ArrivedAt.IsZero() {
		return invalid("arrived_at", "must be set")
	}
	if err := CheckAnnouncement(in.AnnouncedPosition, in.AnnouncedEWTSeconds); err != nil {
		return err
	}
	if in.Callback != nil {
		if err := in.Callback.Validate(); err != nil {
			return err
		}
	}
	if err := checkText("disposition", in.Disposition, MaxNameLen); err != nil {
		return err
	}
	if err := checkOptionalID("entry_point_id", in.EntryPointID); err != nil {
		return err
	}
	if err := CheckMenuChoice(in.MenuChoice); err != nil {
		return err
	}
	return checkText("notes", in.Notes, MaxTextLen)
}

// CheckMenuChoice checks a voice menu choice: "", "zero", "default" or
// "option:K" with K from 1 to 9.
func CheckMenuChoice(c string) error {
	switch c {
	case "", "zero", "default":
		return nil
	}
	if len(c) == len("option:1") && strings.HasPrefix(c, "option:") && c[7] >= '1' && c[7] <= '9' {
		return nil
	}
	return invalid("menu_choice", "must be zero, default or option:1 to option:9 (got %q)", c)
}

// Validate checks the customer's fields.
func (c *Customer) Validate() error {
	if err := checkText("customer.name", c.Name, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("customer.phone", c.Phone, MaxAddressLen); err != nil {
		return err
	}
	if err := checkText("customer.email", c.Email, MaxNameLen*2); err != nil {
		return err
	}
	if c.Email != "" && (!strings.Contains(c.Email, "@") || strings.ContainsAny(c.Email, " \t\r\n")) {
		return invalid("customer.email", "must be an e-mail address (got %q)", c.Email)
	}
	return checkText("customer.external_id", c.ExternalID, MaxNameLen)
}

// MaxSurveyCommentLen bounds a survey's comment, in characters.
const MaxSurveyCommentLen = 1000

// Survey is a customer's satisfaction answer after a contact.
type Survey struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// Validate checks the score (1-5 stars) and the comment's length.
func (s *Survey) Validate() error {
	if err := checkRange("score", s.Score, 1, 5); err != nil {
		return err
	}
	return checkText("comment", s.Comment, MaxSurveyCommentLen)
}

// SegmentKind classifies a stretch of an interaction's time.
type SegmentKind string

// Segment kinds. Only handled kinds (connected, hold, wrap_up, outbound) may be billable:
// waiting is free for the customer and never billed.
const (
	SegQueued      SegmentKind = "queued"
	SegOffered     SegmentKind = "offered"
	SegConnected   SegmentKind = "connected"
	SegHold        SegmentKind = "hold"
	SegWrapUp      SegmentKind = "wrap_up"
	SegAbandoned   SegmentKind = "abandoned"
	SegTransferred SegmentKind = "transferred"
	SegCallback    SegmentKind = "callback"
	// SegOutbound: the agent talks on a call it placed from the contact
	// (a chat's callback number), between connected segments; talk time.
	SegOutbound SegmentKind = "outbound"
)

// SegmentKinds lists the known segment kinds.
func SegmentKinds() []SegmentKind {
	return []SegmentKind{SegQueued, SegOffered, SegConnected, SegHold, SegWrapUp, SegAbandoned, SegTransferred, SegCallback, SegOutbound}
}

// Handled reports whether the kind counts as handled time (and so may be billable).
func (k SegmentKind) Handled() bool {
	return k == SegConnected || k == SegHold || k == SegWrapUp || k == SegOutbound
}

// Segment is a stretch of an interaction: waiting, ringing, talking, on
// hold, wrapping up... Waiting and handled time are kept apart this way.
type Segment struct {
	ID            int64       `json:"id"`
	InteractionID int64       `json:"interaction_id"`
	Kind          SegmentKind `json:"kind"`
	AgentID       *int64      `json:"agent_id"`
	QueueID       *int64      `json:"queue_id"`
	StartedAt     time.Time   `json:"started_at"`
	EndedAt       *time.Time  `json:"ended_at"`
	Billable      bool        `json:"billable"`
}

// Validate checks a segment about to be opened.
func (s *Segment) Validate() error {
	if err := checkEnum("kind", s.Kind, SegmentKinds()); err != nil {
		return err
	}
	if s.Billable && !s.Kind.Handled() {
		return invalid("billable", "only handled segments (connected, hold, wrap_up, outbound) may be billable, not %q", s.Kind)
	}
	if err := checkOptionalID("agent_id", s.AgentID); err != nil {
		return err
	}
	if err := checkOptionalID("queue_id", s.QueueID); err != nil {
		return err
	}
	if s.StartedAt.IsZero() {
		return invalid("started_at", "must be set")
	}
	if s.EndedAt != nil && s.EndedAt.Before(s.StartedAt) {
		return invalid("ended_at", "must not be before started_at")
	}
	return nil
}

// Sender says who wrote a chat message.
type Sender string

// Senders.
const (
	SenderCustomer Sender = "customer"
	SenderAgent    Sender = "agent"
	SenderSystem   Sender = "system"
)

// Senders lists the known senders.
func Senders() []Sender { return []Sender{SenderCustomer, SenderAgent, SenderSystem} }

// MaxClientMsgIDLen bounds the idempotency key of a message.
const MaxClientMsgIDLen = 128

// Message is one chat message of an interaction. Seq numbers the messages
// of an interaction from 1 without gaps.
type Message struct {
	ID            int64  `json:"id"`
	InteractionID int64  `json:"interaction_id"`
	Seq           int64  `json:"seq"`
	Sender        Sender `json:"sender"`
	AgentID       *int64 `json:"agent_id"`
	// ClientMsgID is the sender's idempotency key: a retry with the same key
	// yields the stored message instead of a duplicate.
	ClientMsgID string    `json:"client_msg_id,omitempty"`
	Body        string    `json:"body"`
	SentAt      time.Time `json:"sent_at"`
}

// Validate checks a message about to be appended.
func (m *Message) Validate() error {
	if err := checkEnum("sender", m.Sender, Senders()); err != nil {
		return err
	}
	if m.Sender == SenderAgent {
		if m.AgentID == nil {
			return invalid("agent_id", "is required for sender %q", SenderAgent)
		}
		if err := checkID("agent_id", *m.AgentID); err != nil {
			return err
		}
	} else if m.AgentID != nil {
		return invalid("agent_id", "is only allowed for sender %q", SenderAgent)
	}
	if err := checkText("client_msg_id", m.ClientMsgID, MaxClientMsgIDLen); err != nil {
		return err
	}
	if strings.TrimSpace(m.Body) == "" {
		return invalid("body", "must not be empty")
	}
	return checkText("body", m.Body, MaxBodyLen)
}

// CheckAnnouncement checks what a customer was told on arrival: a position
// from 1 and an expected wait in seconds from 0 (nil: not told).
func CheckAnnouncement(position, ewtSeconds *int) error {
	if ewtSeconds != nil {
		if err := checkNonNegative("announced_ewt_seconds", *ewtSeconds); err != nil {
			return err
		}
	}
	if position != nil && *position < 1 {
		return invalid("announced_position", "must be at least 1 (got %d)", *position)
	}
	return nil
}

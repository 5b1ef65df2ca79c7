package live

import (
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Server frames. See the package documentation for the protocol.

type queuedFrame struct {
	Type        string `json:"type"`
	ContactID   int64  `json:"contact_id"`
	ResumeToken string `json:"resume_token,omitempty"`
	Position    int    `json:"position"`
	EWTSeconds  int    `json:"ewt_seconds"`
	Callback    bool   `json:"callback,omitempty"`
	// NoAgent: nobody serving the queue is signed in; no wait is announced.
	NoAgent bool `json:"no_agent,omitempty"`
	// Transferred: the conversation was transferred; the customer waits
	// for the next agent (the messages so far are kept).
	Transferred bool `json:"transferred,omitempty"`
}

type positionFrame struct {
	Type       string `json:"type"`
	Position   int    `json:"position"`
	EWTSeconds int    `json:"ewt_seconds"`
	NoAgent    bool   `json:"no_agent,omitempty"`
}

type typingFrame struct {
	Type string `json:"type"`
}

type connectedFrame struct {
	Type  string `json:"type"`
	Agent string `json:"agent"`
}

type endedFrame struct {
	Type    string `json:"type"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	Survey  bool   `json:"survey,omitempty"` // answered: the customer may rate it
	// OpensAt: reason "closed", when the queue opens next (within a week).
	OpensAt *time.Time `json:"opens_at,omitempty"`
}

type noticeFrame struct {
	Type    string `json:"type"`
	Message string `json:"message,omitempty"`
}

type messageFrame struct {
	Type        string       `json:"type"`
	ContactID   int64        `json:"contact_id,omitempty"`
	Seq         int64        `json:"seq"`
	From        model.Sender `json:"from"`
	Body        string       `json:"body"`
	ClientMsgID string       `json:"client_msg_id,omitempty"`
	SentAt      time.Time    `json:"sent_at"`
}

type ackFrame struct {
	Type        string `json:"type"`
	ContactID   int64  `json:"contact_id,omitempty"`
	ClientMsgID string `json:"client_msg_id"`
	Seq         int64  `json:"seq"`
}

type loggedInFrame struct {
	Type    string `json:"type"`
	AgentID int64  `json:"agent_id"`
	Name    string `json:"name"`
}

type agentStateFrame struct {
	Type     string `json:"type"`
	State    string `json:"state"`
	Presence string `json:"presence"`
	Reason   string `json:"reason,omitempty"`
}

type historyItem struct {
	ContactID   int64                  `json:"contact_id"`
	QueueID     int64                  `json:"queue_id"`
	Channel     model.Channel          `json:"channel"`
	ArrivedAt   time.Time              `json:"arrived_at"`
	State       model.InteractionState `json:"state"`
	EndedReason model.EndedReason      `json:"ended_reason,omitempty"`
	Disposition string                 `json:"disposition,omitempty"`
	Notes       string                 `json:"notes,omitempty"`
}

type offerFrame struct {
	Type        string          `json:"type"`
	ContactID   int64           `json:"contact_id"`
	Queue       int64           `json:"queue"`
	QueueName   string          `json:"queue_name"`
	Channel     string          `json:"channel"`
	WaitSeconds int             `json:"wait_seconds"`
	Customer    model.Customer  `json:"customer"`
	Callback    bool            `json:"callback,omitempty"`
	CallbackTo  *model.Callback `json:"callback_to,omitempty"`
	History     []historyItem   `json:"history"`
	// ExpiresInSeconds is the time left to accept before the offer goes
	// back (RONA), for a countdown.
	ExpiresInSeconds int `json:"expires_in_seconds"`
}

type agentConnectedFrame struct {
	Type      string         `json:"type"`
	ContactID int64          `json:"contact_id"`
	Channel   string         `json:"channel,omitempty"`
	Customer  model.Customer `json:"customer"`
	Messages  []messageFrame `json:"messages"`
	Notes     []model.Note   `json:"notes"` // never shown to the customer
	// A chat's callback number, and how the agent may call it from the
	// desk (callout.go: "softphone", "phone", "none"; absent: no telephony).
	CallbackNumber string `json:"callback_number,omitempty"`
	Dial           string `json:"dial,omitempty"`
}

type withdrawnFrame struct {
	Type      string `json:"type"`
	ContactID int64  `json:"contact_id"`
	Reason    string `json:"reason"`
}

type agentEndedFrame struct {
	Type          string `json:"type"`
	ContactID     int64  `json:"contact_id"`
	WrapUp        bool   `json:"wrap_up"`
	WrapUpSeconds int    `json:"wrap_up_seconds"`       // the queue's wrap-up time; 0 without wrap-up
	Transferred   bool   `json:"transferred,omitempty"` // the agent transferred it: the contact goes on without it
}

type contactFrame struct {
	Type      string `json:"type"`
	ContactID int64  `json:"contact_id"`
}

func toFrame(m model.Message, contactID int64) messageFrame {
	return messageFrame{Type: "message", ContactID: contactID, Seq: m.Seq, From: m.Sender, Body: m.Body, ClientMsgID: m.ClientMsgID, SentAt: m.SentAt}
}

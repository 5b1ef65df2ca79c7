package acd

import (
	"fmt"
	"time"
)

// EventKind names a decision or change reported by the engine.
type EventKind uint8

// Event kinds.
const (
	// EvQueued: a contact entered a queue; Position and EWT are what it is told.
	EvQueued EventKind = iota + 1
	// EvRejected: a new contact was turned away (Cause: closed or full).
	EvRejected
	// EvOffered: a contact is offered to Agent (Callback: call the customer back).
	EvOffered
	// EvConnected: Agent accepted; Wait is the time since the queue entry,
	// EWT what was announced then.
	EvConnected
	// EvRequeued: an offer was declined or timed out (Cause); the contact is
	// back at its place.
	EvRequeued
	// EvAbandoned: the customer left while waiting (or while being offered).
	EvAbandoned
	// EvTransferred: the contact moved from queue From to Queue, keeping its
	// arrival; Agent is set when it was transferred to that agent by name
	// (then From = Queue and an EvOffered to the agent follows).
	EvTransferred
	// EvOverflowed: a queue's overflow rule applied (Cause, Action; Queue is the
	// destination for OverflowQueue).
	EvOverflowed
	// EvCallbackRequested: a waiting contact became a callback that keeps its place.
	EvCallbackRequested
	// EvEnded: the conversation with Agent ended; the agent wraps up if the
	// queue says so (WrapUp true).
	EvEnded
	// EvWrapUpDone: Agent finished the after-contact work of Contact.
	EvWrapUpDone
	// EvAgentState: an agent's state changed (State, Reason).
	EvAgentState
)

var eventNames = [...]string{
	EvQueued:            "queued",
	EvRejected:          "rejected",
	EvOffered:           "offered",
	EvConnected:         "connected",
	EvRequeued:          "requeued",
	EvAbandoned:         "abandoned",
	EvTransferred:       "transferred",
	EvOverflowed:        "overflowed",
	EvCallbackRequested: "callback_requested",
	EvEnded:             "ended",
	EvWrapUpDone:        "wrap_up_done",
	EvAgentState:        "agent_state",
}

func (k EventKind) String() string {
	if int(k) < len(eventNames) && eventNames[k] != "" {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Cause explains a rejection, a requeue or an overflow.
type Cause uint8

// Causes.
const (
	CauseNone     Cause = iota
	CauseClosed         // outside open hours
	CauseFull           // the queue holds MaxWaiting contacts
	CauseMaxWait        // the contact waited MaxWait
	CauseDeclined       // the agent declined the offer
	CauseRONA           // the offer timed out
	CauseLogout         // the agent logged out during the offer
)

var causeNames = [...]string{"", "closed", "full", "max_wait", "declined", "rona", "logout"}

func (c Cause) String() string {
	if int(c) < len(causeNames) {
		return causeNames[c]
	}
	return fmt.Sprintf("cause(%d)", uint8(c))
}

// Event is one decision or change. Fields that do not apply to a kind are zero.
type Event struct {
	Kind     EventKind
	At       time.Time
	Contact  ContactID
	Agent    AgentID
	Queue    QueueID
	From     QueueID // EvTransferred, EvOverflowed: the queue left
	Channel  Channel
	Callback bool
	Position int           // EvQueued
	EWT      time.Duration // EvQueued: announced; EvConnected, EvAbandoned: what was announced
	Wait     time.Duration // EvConnected, EvAbandoned, EvOffered: time since the queue entry
	Cause    Cause
	Action   OverflowAction // EvOverflowed
	State    AgentState     // EvAgentState
	Presence Presence       // EvAgentState: the presence chosen (what a busy agent returns to)
	Reason   string         // EvAgentState: the not-ready reason, when Presence is NotReady
	WrapUp   bool           // EvEnded: the agent now wraps up
	// Moved (EvEnded): the conversation ended because the contact is being
	// transferred; an EvTransferred follows and the contact goes on.
	Moved bool
}

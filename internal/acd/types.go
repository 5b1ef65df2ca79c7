package acd

import (
	"errors"
	"fmt"
	"time"
)

// Identifiers are chosen by the engine's owner (the server uses its database
// keys; the simulator counts).
type (
	// ContactID identifies a contact (a call, a chat or a callback).
	ContactID int64
	// AgentID identifies an agent.
	AgentID int64
	// QueueID identifies a queue.
	QueueID int64
	// SkillID identifies a skill.
	SkillID int32
)

// Channel is the medium of a contact. Callbacks are voice contacts.
type Channel uint8

// Channels.
const (
	Voice Channel = iota
	Chat
	numChannels
)

func (c Channel) String() string {
	switch c {
	case Voice:
		return "voice"
	case Chat:
		return "chat"
	}
	return fmt.Sprintf("channel(%d)", uint8(c))
}

// Strategy picks among several available agents for a contact.
type Strategy uint8

// Agent selection strategies.
const (
	LongestIdle  Strategy = iota // the agent free for the longest time
	MostSkilled                  // the highest sum of levels on the queue's skills
	LeastHandled                 // the fewest contacts accepted today
	RoundRobin                   // the agent least recently offered a contact of this queue
)

func (s Strategy) String() string {
	switch s {
	case LongestIdle:
		return "longest_idle"
	case MostSkilled:
		return "most_skilled"
	case LeastHandled:
		return "least_handled"
	case RoundRobin:
		return "round_robin"
	}
	return fmt.Sprintf("strategy(%d)", uint8(s))
}

// SkillReq requires a skill at a minimum proficiency level (1-10).
type SkillReq struct {
	Skill    SkillID
	MinLevel int
}

// RelaxStep widens a queue's requirements once a contact has waited After.
type RelaxStep struct {
	After  time.Duration
	Skills []SkillReq
}

// OverflowAction says what happens to a contact that cannot wait any longer
// in a queue (its maximum wait is reached, or the queue is full).
type OverflowAction uint8

// Overflow actions.
const (
	// OverflowNone keeps a contact waiting past MaxWait; a full queue turns
	// new contacts away (Rejected with CauseFull).
	OverflowNone OverflowAction = iota
	// OverflowQueue moves the contact to Overflow.Queue, keeping its arrival.
	OverflowQueue
	// OverflowCallback turns the contact into a callback that keeps its place.
	OverflowCallback
	// OverflowClose ends the contact with the queue's closing message.
	OverflowClose
)

// Overflow is a queue's overflow rule.
type Overflow struct {
	Action OverflowAction
	Queue  QueueID // with OverflowQueue
}

// Tier is a service tier of a queue (for example "paid" and "free").
type Tier struct {
	Name     string
	Priority int
}

// QueueConfig describes a queue.
type QueueConfig struct {
	ID       QueueID
	Channel  Channel
	Priority int
	// Service-level target: SLTarget (0-1) of contacts answered within SLThreshold.
	SLThreshold time.Duration
	SLTarget    float64
	Skills      []SkillReq
	Relax       []RelaxStep // in increasing After
	MaxWait     time.Duration
	MaxWaiting  int // 0: unlimited
	Overflow    Overflow
	Hours       *Hours // nil: open 24/7
	Tiers       []Tier // empty: a single tier of priority 0
	// AgingPerMinute raises a waiting contact's effective priority.
	AgingPerMinute float64
	Strategy       Strategy
	OfferTimeout   time.Duration // 0: DefaultOfferTimeout
	WrapUp         time.Duration // after-contact work; 0: none
	// DefaultHandleTime seeds the expected-wait predictors before the queue
	// has history. 0: DefaultHandleTime.
	DefaultHandleTime time.Duration
}

// Defaults.
const (
	DefaultOfferTimeout = 20 * time.Second
	DefaultHandleTime   = 3 * time.Minute
	MaxLevel            = 10
)

// Site is where an agent works from.
type Site struct {
	Name        string
	Country     string // ISO 3166 alpha-2, e.g. "FR"
	Homeshoring bool
}

// AgentConfig describes an agent.
type AgentConfig struct {
	ID     AgentID
	Skills map[SkillID]int // level 1-10
	// Capacity per channel; zero values default to one voice call and no chat.
	VoiceCapacity int
	ChatCapacity  int
	// Blend lets the agent hold voice and chat contacts at once.
	Blend bool
	// Queues restricts the queues served; nil serves every queue the agent qualifies for.
	Queues []QueueID
	Site   Site
}

// Presence is the state an agent chooses.
type Presence uint8

// Presences.
const (
	LoggedOut Presence = iota
	Ready
	NotReady
)

func (p Presence) String() string {
	switch p {
	case LoggedOut:
		return "logged_out"
	case Ready:
		return "ready"
	case NotReady:
		return "not_ready"
	}
	return fmt.Sprintf("presence(%d)", uint8(p))
}

// AgentState is an agent's state as a supervisor sees it.
type AgentState uint8

// Agent states.
const (
	StateLoggedOut AgentState = iota
	StateReady
	StateNotReady
	StateOffered
	StateBusy
	StateWrapUp
)

func (s AgentState) String() string {
	switch s {
	case StateLoggedOut:
		return "logged_out"
	case StateReady:
		return "ready"
	case StateNotReady:
		return "not_ready"
	case StateOffered:
		return "offered"
	case StateBusy:
		return "busy"
	case StateWrapUp:
		return "wrap_up"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// ContactSpec describes an arriving contact.
type ContactSpec struct {
	ID    ContactID
	Queue QueueID
	Tier  int // index into the queue's Tiers
	// Arrival is the original arrival time, for a contact restored after a
	// restart; zero means now.
	Arrival time.Time
	// Callback marks a contact that is already a callback request.
	Callback bool
}

// Errors returned by the engine. They are returned wrapped with the
// identifiers involved; test them with errors.Is.
var (
	ErrUnknownQueue   = errors.New("unknown queue")
	ErrUnknownAgent   = errors.New("unknown agent")
	ErrUnknownContact = errors.New("unknown contact")
	ErrDuplicate      = errors.New("contact already known")
	ErrNoOffer        = errors.New("no such offer to this agent")
	ErrState          = errors.New("not allowed in the current state")
	ErrConfig         = errors.New("invalid configuration")
)

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v != zero {
		return v
	}
	return def
}

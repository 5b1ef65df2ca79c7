package model

// Channel is the medium of a contact.
type Channel string

// Channels.
const (
	ChannelVoice Channel = "voice"
	ChannelChat  Channel = "chat"
)

// Channels lists the known channels.
func Channels() []Channel { return []Channel{ChannelVoice, ChannelChat} }

// OverflowAction says what happens to a contact that waited too long or
// arrives at a full queue.
type OverflowAction string

// Overflow actions. The empty action means OverflowNone.
const (
	OverflowNone     OverflowAction = "none"
	OverflowQueue    OverflowAction = "queue"
	OverflowCallback OverflowAction = "callback"
	OverflowClose    OverflowAction = "close"
)

// OverflowActions lists the known overflow actions.
func OverflowActions() []OverflowAction {
	return []OverflowAction{OverflowNone, OverflowQueue, OverflowCallback, OverflowClose}
}

// Strategy picks the agent among those able to take a contact.
type Strategy string

// Agent selection strategies.
const (
	StrategyLongestIdle  Strategy = "longest_idle"
	StrategyMostSkilled  Strategy = "most_skilled"
	StrategyLeastHandled Strategy = "least_handled"
	StrategyRoundRobin   Strategy = "round_robin"
)

// Strategies lists the known strategies.
func Strategies() []Strategy {
	return []Strategy{StrategyLongestIdle, StrategyMostSkilled, StrategyLeastHandled, StrategyRoundRobin}
}

// SkillRequirement asks for a skill at a minimum level.
type SkillRequirement struct {
	SkillID  int64 `json:"skill_id"`
	MinLevel int   `json:"min_level"`
}

// RelaxStep replaces a queue's skill requirements once a contact has waited
// AfterSeconds; an empty Skills list accepts any agent serving the queue.
type RelaxStep struct {
	AfterSeconds int                `json:"after_seconds"`
	Skills       []SkillRequirement `json:"skills"`
}

// Overflow configures what happens past MaxWaitSeconds or MaxWaiting.
type Overflow struct {
	Action OverflowAction `json:"action"`
	// QueueID is the target queue when Action is OverflowQueue.
	QueueID *int64 `json:"queue_id"`
	// Message is told or written to the customer.
	Message string `json:"message"`
}

// Tier is a service tier (e.g. a paid fast lane beside a free one).
type Tier struct {
	Name     string `json:"name"`
	Priority int    `json:"priority"`
}

// Queue is where contacts wait for an agent.
type Queue struct {
	ID       int64   `json:"id"`
	TenantID int64   `json:"tenant_id"`
	Name     string  `json:"name"`
	Channel  Channel `json:"channel"`
	// Priority orders queues competing for the same agent (higher first).
	Priority int `json:"priority"`
	// SLTargetPct and SLThresholdSeconds form the service-level target
	// "SLTargetPct % answered within SLThresholdSeconds".
	SLTargetPct        float64            `json:"sl_target_pct"`
	SLThresholdSeconds int                `json:"sl_threshold_seconds"`
	Skills             []SkillRequirement `json:"skills"`
	Relax              []RelaxStep        `json:"relax"`
	// MaxWaitSeconds (0: no limit) and MaxWaiting (0: no limit) trigger Overflow.
	MaxWaitSeconds int      `json:"max_wait_seconds"`
	MaxWaiting     int      `json:"max_waiting"`
	Overflow       Overflow `json:"overflow"`
	ScheduleID     *int64   `json:"schedule_id"`
	Tiers          []Tier   `json:"tiers"`
	// AgingPerMinute is added to a waiting contact's effective priority per
	// minute waited, so that lower tiers are never starved.
	AgingPerMinute      float64  `json:"aging_per_minute"`
	Strategy            Strategy `json:"strategy"`
	OfferTimeoutSeconds int      `json:"offer_timeout_seconds"`
	WrapUpSeconds       int      `json:"wrap_up_seconds"`
	Recording           bool     `json:"recording"`
	// RecordingRetentionDays is how long recordings are kept; required
	// (positive) when Recording is on.
	RecordingRetentionDays int `json:"recording_retention_days"`
	// ShortAbandonSeconds: an abandon less than this many seconds after the
	// arrival is a short abandon (internal/kpi), 0 to 60; absent: 5.
	ShortAbandonSeconds *int `json:"short_abandon_seconds,omitempty"`
	// VoiceSurvey (voice queues): after the agent hangs up, the caller is
	// asked to rate the call on the keypad, 1 to 5 (optional for the
	// caller; stored as a chat's survey).
	VoiceSurvey bool `json:"voice_survey,omitempty"`
}

// DefaultShortAbandonSeconds is a queue's short-abandon threshold when it sets none.
const DefaultShortAbandonSeconds = 5

// ShortAbandon is the queue's short-abandon threshold in seconds.
func (q *Queue) ShortAbandon() int {
	if q.ShortAbandonSeconds == nil {
		return DefaultShortAbandonSeconds
	}
	return *q.ShortAbandonSeconds
}

// Limits on queue settings.
const (
	MaxPriority            = 1000
	MaxOfferTimeoutSeconds = 600
	MaxWrapUpSeconds       = 3600
	MaxRetentionDays       = 3660
)

// Validate checks the fields a client may set.
func (q *Queue) Validate() error {
	if err := checkName("name", q.Name); err != nil {
		return err
	}
	if err := checkEnum("channel", q.Channel, Channels()); err != nil {
		return err
	}
	if err := checkRange("priority", q.Priority, 0, MaxPriority); err != nil {
		return err
	}
	if err := checkFinite("sl_target_pct", q.SLTargetPct); err != nil {
		return err
	}
	if q.SLTargetPct <= 0 || q.SLTargetPct > 100 {
		return invalidKey("sl_target_pct", "sl_target", Params{"got": q.SLTargetPct}, "must be above 0 and at most 100 (got %g)", q.SLTargetPct)
	}
	if q.SLThresholdSeconds <= 0 {
		return invalidKey("sl_threshold_seconds", "positive", Params{"got": q.SLThresholdSeconds}, "must be positive (got %d)", q.SLThresholdSeconds)
	}
	if err := checkRequirements("skills", q.Skills); err != nil {
		return err
	}
	prev := 0
	for i, r := range q.Relax {
		if r.AfterSeconds <= prev {
			return invalidKey(indexed("relax", i, "after_seconds"), "relax_after", Params{"got": r.AfterSeconds, "step": i + 1}, "must be positive and greater than the previous step's (got %d)", r.AfterSeconds)
		}
		prev = r.AfterSeconds
		if err := checkRequirements(indexed("relax", i, "skills"), r.Skills); err != nil {
			return err
		}
	}
	if err := checkNonNegative("max_wait_seconds", q.MaxWaitSeconds); err != nil {
		return err
	}
	if err := checkNonNegative("max_waiting", q.MaxWaiting); err != nil {
		return err
	}
	if err := q.Overflow.validate(q.ID); err != nil {
		return err
	}
	if err := checkOptionalID("schedule_id", q.ScheduleID); err != nil {
		return err
	}
	tiers := make(map[string]bool, len(q.Tiers))
	for i, t := range q.Tiers {
		if err := checkName(indexed("tiers", i, "name"), t.Name); err != nil {
			return err
		}
		if tiers[t.Name] {
			return invalidKey(indexed("tiers", i, "name"), "duplicate_tier", Params{"name": t.Name}, "duplicate tier %q", t.Name)
		}
		tiers[t.Name] = true
		if err := checkRange(indexed("tiers", i, "priority"), t.Priority, 0, MaxPriority); err != nil {
			return err
		}
	}
	if err := checkFinite("aging_per_minute", q.AgingPerMinute); err != nil {
		return err
	}
	if q.AgingPerMinute < 0 {
		return invalidKey("aging_per_minute", "negative", Params{"got": q.AgingPerMinute}, "must not be negative")
	}
	if err := checkEnum("strategy", q.Strategy, Strategies()); err != nil {
		return err
	}
	if err := checkRange("offer_timeout_seconds", q.OfferTimeoutSeconds, 1, MaxOfferTimeoutSeconds); err != nil {
		return err
	}
	if err := checkRange("wrap_up_seconds", q.WrapUpSeconds, 0, MaxWrapUpSeconds); err != nil {
		return err
	}
	if q.RecordingRetentionDays < 0 || q.RecordingRetentionDays > MaxRecordingDays {
		// The CNIL's six months, as for the tenant's retention.
		return invalidKey("recording_retention_days", "recording_days", Params{"max": MaxRecordingDays, "got": q.RecordingRetentionDays},
			"must be 0 to %d (the CNIL's six months; got %d)", MaxRecordingDays, q.RecordingRetentionDays)
	}
	if q.ShortAbandonSeconds != nil {
		if err := checkRange("short_abandon_seconds", *q.ShortAbandonSeconds, 0, 60); err != nil {
			return err
		}
	}
	if q.Recording && q.RecordingRetentionDays == 0 {
		return invalidKey("recording_retention_days", "recording_days_needed", nil, "must be set (positive) when recording is on")
	}
	return nil
}

// HasTier reports whether the queue defines the named tier; the empty name
// (default tier) is always accepted.
func (q *Queue) HasTier(name string) bool {
	if name == "" {
		return true
	}
	for _, t := range q.Tiers {
		if t.Name == name {
			return true
		}
	}
	return false
}

func (o *Overflow) validate(ownID int64) error {
	action := o.Action
	if action == "" {
		action = OverflowNone
	}
	if err := checkEnum("overflow.action", action, OverflowActions()); err != nil {
		return err
	}
	if action == OverflowQueue {
		if o.QueueID == nil {
			return invalidKey("overflow.queue_id", "overflow_queue_required", nil, "is required when overflow.action is %q", OverflowQueue)
		}
		if err := checkID("overflow.queue_id", *o.QueueID); err != nil {
			return err
		}
		if ownID != 0 && *o.QueueID == ownID {
			return invalidKey("overflow.queue_id", "overflow_queue_self", nil, "must not be the queue itself")
		}
	} else if o.QueueID != nil {
		return invalidKey("overflow.queue_id", "overflow_queue_unused", nil, "is only allowed when overflow.action is %q", OverflowQueue)
	}
	return checkText("overflow.message", o.Message, MaxTextLen)
}

func checkRequirements(field string, reqs []SkillRequirement) error {
	seen := make(map[int64]bool, len(reqs))
	for i, r := range reqs {
		if err := checkID(indexed(field, i, "skill_id"), r.SkillID); err != nil {
			return err
		}
		if seen[r.SkillID] {
			return invalidKey(indexed(field, i, "skill_id"), "duplicate_skill", Params{"id": r.SkillID}, "duplicate skill %d", r.SkillID)
		}
		seen[r.SkillID] = true
		if err := checkRange(indexed(field, i, "min_level"), r.MinLevel, MinSkillLevel, MaxSkillLevel); err != nil {
			return err
		}
	}
	return nil
}

// SkillIDs returns every skill the queue refers to, in its requirements and
// its relaxation steps, without duplicates.
func (q *Queue) SkillIDs() []int64 {
	var ids []int64
	seen := make(map[int64]bool)
	add := func(reqs []SkillRequirement) {
		for _, r := range reqs {
			if !seen[r.SkillID] {
				seen[r.SkillID] = true
				ids = append(ids, r.SkillID)
			}
		}
	}
	add(q.Skills)
	for _, r := range q.Relax {
		add(r.Skills)
	}
	return ids
}

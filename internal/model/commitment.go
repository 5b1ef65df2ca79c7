package model

import "math"

// CommitmentKind is what a service commitment measures (see
// internal/commitment and docs/commitments.md for each definition).
type CommitmentKind string

// Kinds of commitments.
const (
	// CommitServiceLevel: answered within Seconds (0: each queue's own
	// threshold) / (offered − short abandoned) ≥ TargetPct.
	CommitServiceLevel CommitmentKind = "service_level"
	// CommitAbandonRate: (abandoned − short abandoned) / (offered − short
	// abandoned) ≤ TargetPct.
	CommitAbandonRate CommitmentKind = "abandon_rate"
	// CommitAnnouncedWait: share of the answered contacts told a wait whose
	// actual wait was at most the announced one + Seconds ≥ TargetPct.
	CommitAnnouncedWait CommitmentKind = "announced_wait"
	// CommitCallback: share of the callbacks requested that were made
	// (the customer reached) within Seconds of the request ≥ TargetPct.
	CommitCallback CommitmentKind = "callback"
	// CommitOpenHours: on each of Days, every queue in scope open from
	// Opens to Closes (schedules and holidays): share of days ≥ TargetPct.
	CommitOpenHours CommitmentKind = "open_hours"
	// CommitSatisfaction: survey responses / answered ≥ TargetPct and
	// mean score ≥ MinScore.
	CommitSatisfaction CommitmentKind = "satisfaction"
	// CommitRecordingAnnounced: share of the recorded calls whose caller
	// heard the recording notice first ≥ TargetPct.
	CommitRecordingAnnounced CommitmentKind = "recording_announced"
)

// CommitmentKinds lists the kinds, in the order they are shown.
var CommitmentKinds = []CommitmentKind{CommitServiceLevel, CommitAbandonRate, CommitAnnouncedWait, CommitCallback,
	CommitOpenHours, CommitSatisfaction, CommitRecordingAnnounced}

// Commitment is one of a tenant's published service commitments: a
// measurable rule over a month with its threshold, for all its queues or
// some (QueueIDs) and one channel or both.
type Commitment struct {
	ID       int64          `json:"id"`
	TenantID int64          `json:"tenant_id"`
	Name     string         `json:"name"`
	Kind     CommitmentKind `json:"kind"`
	// TargetPct is the threshold in percent (0-100): the minimum share,
	// or the maximum abandon rate.
	TargetPct float64 `json:"target_pct"`
	// Seconds: the service level's Y (0: each queue's own threshold), the
	// margin over the announced wait, the callback's delay.
	Seconds int `json:"seconds"`
	// MinScore is the satisfaction's minimum mean score (1-5).
	MinScore float64 `json:"min_score"`
	// Opens and Closes ("HH:MM", local to each queue) and Days (weekdays,
	// 0 Sunday-6 Saturday; empty: all seven) are the opening committed.
	Opens  string `json:"opens"`
	Closes string `json:"closes"`
	Days   []int  `json:"days"`
	// QueueIDs (empty: every queue) and Channel ("": both) scope it.
	QueueIDs []int64 `json:"queue_ids"`
	Channel  Channel `json:"channel"`
	// Source says where the commitment comes from (a standard's clause, a
	// contract).
	Source string `json:"source"`
	// Position orders the commitments in the report.
	Position int `json:"position"`
}

// Limits of a commitment.
const (
	MaxCommitmentSeconds = 7 * 24 * 3600
	MaxCommitmentSource  = 500
)

// Validate checks the commitment: kind, thresholds and the fields each
// kind needs (queue ids are checked against the tenant by the store).
func (c *Commitment) Validate() error {
	if err := checkName("name", c.Name); err != nil {
		return err
	}
	known := false
	for _, k := range CommitmentKinds {
		known = known || k == c.Kind
	}
	if !known {
		return invalid("kind", "must be one of %v (got %q)", CommitmentKinds, c.Kind)
	}
	if math.IsNaN(c.TargetPct) || c.TargetPct < 0 || c.TargetPct > 100 {
		return invalid("target_pct", "must be a percentage from 0 to 100 (got %v)", c.TargetPct)
	}
	if c.Seconds < 0 || c.Seconds > MaxCommitmentSeconds {
		return invalid("seconds", "must be from 0 to %d (got %d)", MaxCommitmentSeconds, c.Seconds)
	}
	switch c.Kind {
	case CommitCallback:
		if c.Seconds <= 0 {
			return invalid("seconds", "a callback commitment needs the delay in seconds (got %d)", c.Seconds)
		}
	case CommitSatisfaction:
		if math.IsNaN(c.MinScore) || c.MinScore < 1 || c.MinScore > 5 {
			return invalid("min_score", "must be a mean score from 1 to 5 (got %v)", c.MinScore)
		}
	case CommitOpenHours:
		from, err := ParseClock(c.Opens)
		if err != nil {
			return invalid("opens", "%v", err)
		}
		to, err := ParseClock(c.Closes)
		if err != nil {
			return invalid("closes", "%v", err)
		}
		if from >= to {
			return invalid("closes", "must be after opens (%s-%s)", c.Opens, c.Closes)
		}
		seen := map[int]bool{}
		for i, d := range c.Days {
			if err := checkRange(indexed("days", i, ""), d, 0, 6); err != nil {
				return err
			}
			if seen[d] {
				return invalid(indexed("days", i, ""), "day %d is given twice", d)
			}
			seen[d] = true
		}
	}
	if c.Kind != CommitSatisfaction && c.MinScore != 0 {
		return invalid("min_score", "is only for a satisfaction commitment")
	}
	if c.Kind != CommitOpenHours && (c.Opens != "" || c.Closes != "" || len(c.Days) > 0) {
		return invalid("opens", "opens, closes and days are only for an open_hours commitment")
	}
	if c.Channel != "" && c.Channel != ChannelVoice && c.Channel != ChannelChat {
		return invalid("channel", "must be voice, chat or empty for both (got %q)", c.Channel)
	}
	if c.Kind == CommitRecordingAnnounced && c.Channel == ChannelChat {
		return invalid("channel", "only calls are recorded")
	}
	seen := map[int64]bool{}
	for i, id := range c.QueueIDs {
		if id <= 0 {
			return invalid(indexed("queue_ids", i, ""), "must be a queue id (got %d)", id)
		}
		if seen[id] {
			return invalid(indexed("queue_ids", i, ""), "queue %d is given twice", id)
		}
		seen[id] = true
	}
	if err := checkText("source", c.Source, MaxCommitmentSource); err != nil {
		return err
	}
	if c.Position < 0 || c.Position > 1000 {
		return invalid("position", "must be from 0 to 1000 (got %d)", c.Position)
	}
	return nil
}

// HigherIsBetter says whether the commitment is met at or above its
// target (every kind but the abandon rate, met at or below).
func (c *Commitment) HigherIsBetter() bool { return c.Kind != CommitAbandonRate }

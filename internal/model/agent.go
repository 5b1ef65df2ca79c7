package model

// AgentSkill is a skill an agent has, at a proficiency level from 1 to 10.
type AgentSkill struct {
	SkillID int64 `json:"skill_id"`
	Level   int   `json:"level"`
}

// Agent is a person who handles contacts.
type Agent struct {
	ID       int64        `json:"id"`
	TenantID int64        `json:"tenant_id"`
	SiteID   int64        `json:"site_id"`
	Name     string       `json:"name"`
	Skills   []AgentSkill `json:"skills"`
	// VoiceCapacity (0 or 1) and ChatCapacity are the numbers of
	// simultaneous contacts of each channel.
	VoiceCapacity int `json:"voice_capacity"`
	ChatCapacity  int `json:"chat_capacity"`
	// Blend lets the agent hold chats and a call at the same time.
	Blend bool `json:"blend"`
	// QueueIDs, when set, restricts the agent to those queues; empty means
	// every queue whose skills the agent has.
	QueueIDs []int64 `json:"queue_ids,omitempty"`
}

// Limits on agent capacities.
const (
	MaxVoiceCapacity = 1
	MaxChatCapacity  = 20
)

// Validate checks the fields a client may set.
func (a *Agent) Validate() error {
	if err := checkID("site_id", a.SiteID); err != nil {
		return err
	}
	if err := checkName("name", a.Name); err != nil {
		return err
	}
	seen := make(map[int64]bool, len(a.Skills))
	for i, s := range a.Skills {
		if err := checkID(indexed("skills", i, "skill_id"), s.SkillID); err != nil {
			return err
		}
		if seen[s.SkillID] {
			return invalidKey(indexed("skills", i, "skill_id"), "duplicate_skill", Params{"id": s.SkillID}, "duplicate skill %d", s.SkillID)
		}
		seen[s.SkillID] = true
		if err := checkRange(indexed("skills", i, "level"), s.Level, MinSkillLevel, MaxSkillLevel); err != nil {
			return err
		}
	}
	if err := checkRange("voice_capacity", a.VoiceCapacity, 0, MaxVoiceCapacity); err != nil {
		return err
	}
	if err := checkRange("chat_capacity", a.ChatCapacity, 0, MaxChatCapacity); err != nil {
		return err
	}
	if a.VoiceCapacity == 0 && a.ChatCapacity == 0 {
		return invalidKey("voice_capacity", "capacity_needed", nil, "an agent needs a voice or a chat capacity")
	}
	queues := make(map[int64]bool, len(a.QueueIDs))
	for i, id := range a.QueueIDs {
		if err := checkID(indexed("queue_ids", i, ""), id); err != nil {
			return err
		}
		if queues[id] {
			return invalidKey(indexed("queue_ids", i, ""), "duplicate_queue", Params{"id": id}, "duplicate queue %d", id)
		}
		queues[id] = true
	}
	return nil
}

// SkillIDs returns the skills the agent has.
func (a *Agent) SkillIDs() []int64 {
	ids := make([]int64, len(a.Skills))
	for i, s := range a.Skills {
		ids[i] = s.SkillID
	}
	return ids
}

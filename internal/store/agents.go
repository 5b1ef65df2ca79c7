package store

import (
	"context"

	"github.com/plateau-cc/plateau/internal/model"
)

const agentCols = "id, tenant_id, site_id, name, skills, voice_capacity, chat_capacity, blend, queue_ids"

func scanAgent(r scanner) (model.Agent, error) {
	var (
		a              model.Agent
		skills, queues string
	)
	err := r.Scan(&a.ID, &a.TenantID, &a.SiteID, &a.Name, &skills, &a.VoiceCapacity, &a.ChatCapacity, &a.Blend, &queues)
	if err != nil {
		return a, err
	}
	if a.Skills, err = fromJSON[model.AgentSkill](skills, "skills"); err != nil {
		return a, err
	}
	if a.QueueIDs, err = fromJSON[int64](queues, "queue_ids"); err != nil {
		return a, err
	}
	if len(a.QueueIDs) == 0 {
		a.QueueIDs = nil
	}
	return a, nil
}

func agentArgs(a model.Agent) ([]any, error) {
	skills, err := toJSON(a.Skills)
	if err != nil {
		return nil, err
	}
	queues, err := toJSON(a.QueueIDs)
	if err != nil {
		return nil, err
	}
	return []any{a.SiteID, a.Name, skills, a.VoiceCapacity, a.ChatCapacity, a.Blend, queues}, nil
}

func checkAgentRefs(ctx context.Context, c conn, tenantID int64, a model.Agent) error {
	if err := checkSkillsExist(ctx, c, tenantID, "skills", a.SkillIDs()); err != nil {
		return err
	}
	return checkIDsExist(ctx, c, "queues", tenantID, "queue_ids", a.QueueIDs)
}

// CreateAgent stores a new agent in the tenant; its site, skills and queues
// must belong to the tenant (ErrInvalid otherwise).
func (s *Store) CreateAgent(ctx context.Context, tenantID int64, a model.Agent) (model.Agent, error) {
	if err := a.Validate(); err != nil {
		return model.Agent{}, invalidInput(err, "create agent")
	}
	args, err := agentArgs(a)
	if err != nil {
		return model.Agent{}, fail(err, "create agent %q", a.Name)
	}
	var id int64
	err = s.inTx(ctx, func(c conn) error {
		if err := checkAgentRefs(ctx, c, tenantID, a); err != nil {
			return err
		}
		id, err = c.insert(ctx, `INSERT INTO agents (tenant_id, site_id, name, skills, voice_capacity, chat_capacity, blend, queue_ids)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{tenantID}, args...)...)
		return err
	})
	if err != nil {
		return model.Agent{}, fail(err, "create agent %q", a.Name)
	}
	return s.GetAgent(ctx, tenantID, id)
}

// GetAgent returns one of the tenant's agents.
func (s *Store) GetAgent(ctx context.Context, tenantID, id int64) (model.Agent, error) {
	a, err := scanAgent(s.conn().queryRow(ctx, "SELECT "+agentCols+" FROM agents WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.Agent{}, fail(err, "get agent %d", id)
	}
	return a, nil
}

// ListAgents returns the tenant's agents, by id.
func (s *Store) ListAgents(ctx context.Context, tenantID int64) ([]model.Agent, error) {
	out, err := listAgents(ctx, s.conn(), tenantID)
	if err != nil {
		return nil, fail(err, "list agents")
	}
	return out, nil
}

func listAgents(ctx context.Context, c conn, tenantID int64) ([]model.Agent, error) {
	rows, err := c.query(ctx, "SELECT "+agentCols+" FROM agents WHERE tenant_id = ? ORDER BY id", tenantID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAgent)
}

// UpdateAgent replaces one of the tenant's agents (a.ID names it), under the
// same rules as CreateAgent.
func (s *Store) UpdateAgent(ctx context.Context, tenantID int64, a model.Agent) error {
	if err := a.Validate(); err != nil {
		return invalidInput(err, "update agent %d", a.ID)
	}
	args, err := agentArgs(a)
	if err != nil {
		return fail(err, "update agent %d", a.ID)
	}
	err = s.inTx(ctx, func(c conn) error {
		if err := checkAgentRefs(ctx, c, tenantID, a); err != nil {
			return err
		}
		return c.execOne(ctx, `UPDATE agents SET site_id = ?, name = ?, skills = ?, voice_capacity = ?, chat_capacity = ?, blend = ?, queue_ids = ?
			WHERE tenant_id = ? AND id = ?`, append(args, tenantID, a.ID)...)
	})
	if err != nil {
		return fail(err, "update agent %d", a.ID)
	}
	return nil
}

// DeleteAgent removes one of the tenant's agents; an agent a user signs in
// as is ErrConflict. Interactions, segments and messages keep the agent's id.
func (s *Store) DeleteAgent(ctx context.Context, tenantID, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM agents WHERE tenant_id = ? AND id = ?", tenantID, id); err != nil {
		return failDelete(err, "delete agent %d", id)
	}
	return nil
}

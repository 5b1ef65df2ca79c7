package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/plateau-cc/plateau/internal/model"
)

func scanSkill(r scanner) (model.Skill, error) {
	var v model.Skill
	err := r.Scan(&v.ID, &v.TenantID, &v.Name)
	return v, err
}

// CreateSkill stores a new skill in the tenant; a duplicate name is ErrConflict.
func (s *Store) CreateSkill(ctx context.Context, tenantID int64, v model.Skill) (model.Skill, error) {
	if err := v.Validate(); err != nil {
		return model.Skill{}, invalidInput(err, "create skill")
	}
	v.TenantID = tenantID
	id, err := s.conn().insert(ctx, "INSERT INTO skills (tenant_id, name) VALUES (?, ?)", tenantID, v.Name)
	if err != nil {
		return model.Skill{}, fail(err, "create skill %q", v.Name)
	}
	v.ID = id
	return v, nil
}

// GetSkill returns one of the tenant's skills.
func (s *Store) GetSkill(ctx context.Context, tenantID, id int64) (model.Skill, error) {
	v, err := scanSkill(s.conn().queryRow(ctx, "SELECT id, tenant_id, name FROM skills WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.Skill{}, fail(err, "get skill %d", id)
	}
	return v, nil
}

// ListSkills returns the tenant's skills, by id.
func (s *Store) ListSkills(ctx context.Context, tenantID int64) ([]model.Skill, error) {
	rows, err := s.conn().query(ctx, "SELECT id, tenant_id, name FROM skills WHERE tenant_id = ? ORDER BY id", tenantID)
	if err != nil {
		return nil, fail(err, "list skills")
	}
	out, err := collect(rows, scanSkill)
	if err != nil {
		return nil, fail(err, "list skills")
	}
	return out, nil
}

// UpdateSkill renames one of the tenant's skills (v.ID names it).
func (s *Store) UpdateSkill(ctx context.Context, tenantID int64, v model.Skill) error {
	if err := v.Validate(); err != nil {
		return invalidInput(err, "update skill %d", v.ID)
	}
	if err := s.conn().execOne(ctx, "UPDATE skills SET name = ? WHERE tenant_id = ? AND id = ?", v.Name, tenantID, v.ID); err != nil {
		return fail(err, "update skill %d", v.ID)
	}
	return nil
}

// DeleteSkill removes one of the tenant's skills. A skill still required by
// a queue or held by an agent is ErrConflict (those references live in JSON
// columns, so they are checked here rather than by foreign keys).
func (s *Store) DeleteSkill(ctx context.Context, tenantID, id int64) error {
	err := s.inTx(ctx, func(c conn) error {
		queues, err := listQueues(ctx, c, tenantID)
		if err != nil {
			return err
		}
		for _, q := range queues {
			if slices.Contains(q.SkillIDs(), id) {
				return fmt.Errorf("%w: queue %d (%s) requires it", ErrConflict, q.ID, q.Name)
			}
		}
		agents, err := listAgents(ctx, c, tenantID)
		if err != nil {
			return err
		}
		for _, a := range agents {
			if slices.Contains(a.SkillIDs(), id) {
				return fmt.Errorf("%w: agent %d (%s) has it", ErrConflict, a.ID, a.Name)
			}
		}
		return c.execOne(ctx, "DELETE FROM skills WHERE tenant_id = ? AND id = ?", tenantID, id)
	})
	if err != nil {
		return failDelete(err, "delete skill %d", id)
	}
	return nil
}

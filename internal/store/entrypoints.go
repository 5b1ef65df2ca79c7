package store

import (
	"context"
	"database/sql"

	"github.com/plateau-cc/plateau/internal/model"
)

const entryPointCols = "id, tenant_id, kind, address, queue_id, schedule_id, welcome"

func scanEntryPoint(r scanner) (model.EntryPoint, error) {
	var (
		e     model.EntryPoint
		sched sql.NullInt64
	)
	err := r.Scan(&e.ID, &e.TenantID, &e.Kind, &e.Address, &e.QueueID, &sched, &e.Welcome)
	e.ScheduleID = int64Ptr(sched)
	return e, err
}

// CreateEntryPoint stores a new entry point of the tenant. Its queue and
// schedule must belong to the tenant (ErrInvalid); an address already used
// by any tenant for the same kind is ErrConflict.
func (s *Store) CreateEntryPoint(ctx context.Context, tenantID int64, e model.EntryPoint) (model.EntryPoint, error) {
	if err := e.Validate(); err != nil {
		return model.EntryPoint{}, invalidInput(err, "create entry point")
	}
	e.TenantID = tenantID
	id, err := s.conn().insert(ctx, "INSERT INTO entry_points (tenant_id, kind, address, queue_id, schedule_id, welcome) VALUES (?, ?, ?, ?, ?, ?)",
		tenantID, e.Kind, e.Address, e.QueueID, nullInt64(e.ScheduleID), e.Welcome)
	if err != nil {
		return model.EntryPoint{}, fail(err, "create %s entry point %q", e.Kind, e.Address)
	}
	e.ID = id
	return e, nil
}

// GetEntryPoint returns one of the tenant's entry points.
func (s *Store) GetEntryPoint(ctx context.Context, tenantID, id int64) (model.EntryPoint, error) {
	e, err := scanEntryPoint(s.conn().queryRow(ctx, "SELECT "+entryPointCols+" FROM entry_points WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.EntryPoint{}, fail(err, "get entry point %d", id)
	}
	return e, nil
}

// ResolveEntryPoint finds the entry point a contact arrives at by its kind
// and address, whatever its tenant: this is how an incoming call or chat
// learns its tenant.
func (s *Store) ResolveEntryPoint(ctx context.Context, kind model.EntryPointKind, address string) (model.EntryPoint, error) {
	e, err := scanEntryPoint(s.conn().queryRow(ctx, "SELECT "+entryPointCols+" FROM entry_points WHERE kind = ? AND address = ?", kind, address))
	if err != nil {
		return model.EntryPoint{}, fail(err, "resolve %s entry point %q", kind, address)
	}
	return e, nil
}

// ListEntryPoints returns the tenant's entry points, by id.
func (s *Store) ListEntryPoints(ctx context.Context, tenantID int64) ([]model.EntryPoint, error) {
	rows, err := s.conn().query(ctx, "SELECT "+entryPointCols+" FROM entry_points WHERE tenant_id = ? ORDER BY id", tenantID)
	if err != nil {
		return nil, fail(err, "list entry points")
	}
	out, err := collect(rows, scanEntryPoint)
	if err != nil {
		return nil, fail(err, "list entry points")
	}
	return out, nil
}

// UpdateEntryPoint replaces one of the tenant's entry points (e.ID names it),
// under the same rules as CreateEntryPoint.
func (s *Store) UpdateEntryPoint(ctx context.Context, tenantID int64, e model.EntryPoint) error {
	if err := e.Validate(); err != nil {
		return invalidInput(err, "update entry point %d", e.ID)
	}
	err := s.conn().execOne(ctx, "UPDATE entry_points SET kind = ?, address = ?, queue_id = ?, schedule_id = ?, welcome = ? WHERE tenant_id = ? AND id = ?",
		e.Kind, e.Address, e.QueueID, nullInt64(e.ScheduleID), e.Welcome, tenantID, e.ID)
	if err != nil {
		return fail(err, "update entry point %d", e.ID)
	}
	return nil
}

// DeleteEntryPoint removes one of the tenant's entry points.
func (s *Store) DeleteEntryPoint(ctx context.Context, tenantID, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM entry_points WHERE tenant_id = ? AND id = ?", tenantID, id); err != nil {
		return failDelete(err, "delete entry point %d", id)
	}
	return nil
}

package store

import (
	"context"

	"github.com/plateau-cc/plateau/internal/model"
)

const scheduleCols = "id, tenant_id, name, time_zone, always_open, weekly, holidays"

func scanSchedule(r scanner) (model.Schedule, error) {
	var (
		v                model.Schedule
		weekly, holidays string
	)
	if err := r.Scan(&v.ID, &v.TenantID, &v.Name, &v.TimeZone, &v.AlwaysOpen, &weekly, &holidays); err != nil {
		return v, err
	}
	var err error
	if v.Weekly, err = fromJSON[model.WeeklyHours](weekly, "weekly"); err != nil {
		return v, err
	}
	v.Holidays, err = fromJSON[string](holidays, "holidays")
	return v, err
}

func scheduleJSON(v model.Schedule) (weekly, holidays string, err error) {
	if weekly, err = toJSON(v.Weekly); err != nil {
		return "", "", err
	}
	holidays, err = toJSON(v.Holidays)
	return weekly, holidays, err
}

// CreateSchedule stores a new schedule in the tenant; a duplicate name is ErrConflict.
func (s *Store) CreateSchedule(ctx context.Context, tenantID int64, v model.Schedule) (model.Schedule, error) {
	if err := v.Validate(); err != nil {
		return model.Schedule{}, invalidInput(err, "create schedule")
	}
	weekly, holidays, err := scheduleJSON(v)
	if err != nil {
		return model.Schedule{}, fail(err, "create schedule %q", v.Name)
	}
	id, err := s.conn().insert(ctx, "INSERT INTO schedules (tenant_id, name, time_zone, always_open, weekly, holidays) VALUES (?, ?, ?, ?, ?, ?)",
		tenantID, v.Name, v.TimeZone, v.AlwaysOpen, weekly, holidays)
	if err != nil {
		return model.Schedule{}, fail(err, "create schedule %q", v.Name)
	}
	return s.GetSchedule(ctx, tenantID, id)
}

// GetSchedule returns one of the tenant's schedules.
func (s *Store) GetSchedule(ctx context.Context, tenantID, id int64) (model.Schedule, error) {
	v, err := scanSchedule(s.conn().queryRow(ctx, "SELECT "+scheduleCols+" FROM schedules WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.Schedule{}, fail(err, "get schedule %d", id)
	}
	return v, nil
}

// ListSchedules returns the tenant's schedules, by id.
func (s *Store) ListSchedules(ctx context.Context, tenantID int64) ([]model.Schedule, error) {
	rows, err := s.conn().query(ctx, "SELECT "+scheduleCols+" FROM schedules WHERE tenant_id = ? ORDER BY id", tenantID)
	if err != nil {
		return nil, fail(err, "list schedules")
	}
	out, err := collect(rows, scanSchedule)
	if err != nil {
		return nil, fail(err, "list schedules")
	}
	return out, nil
}

// UpdateSchedule replaces one of the tenant's schedules (v.ID names it).
func (s *Store) UpdateSchedule(ctx context.Context, tenantID int64, v model.Schedule) error {
	if err := v.Validate(); err != nil {
		return invalidInput(err, "update schedule %d", v.ID)
	}
	weekly, holidays, err := scheduleJSON(v)
	if err != nil {
		return fail(err, "update schedule %d", v.ID)
	}
	err = s.conn().execOne(ctx, "UPDATE schedules SET name = ?, time_zone = ?, always_open = ?, weekly = ?, holidays = ? WHERE tenant_id = ? AND id = ?",
		v.Name, v.TimeZone, v.AlwaysOpen, weekly, holidays, tenantID, v.ID)
	if err != nil {
		return fail(err, "update schedule %d", v.ID)
	}
	return nil
}

// DeleteSchedule removes one of the tenant's schedules; one still used by a
// queue or entry point is ErrConflict.
func (s *Store) DeleteSchedule(ctx context.Context, tenantID, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM schedules WHERE tenant_id = ? AND id = ?", tenantID, id); err != nil {
		return failDelete(err, "delete schedule %d", id)
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plateau-cc/plateau/internal/model"
)

// The workforce register: employees and their training (the label's
// indicators, internal/workforce), and the France share of published
// shift plans.

const employeeCols = "id, tenant_id, ref, name, job, site_id, agent_id, user_id, homeshoring, contract, fte_milli, hire_date, exit_date, exit_reason, disability"

func scanEmployee(r scanner) (model.Employee, error) {
	var (
		v             model.Employee
		agent, user   sql.NullInt64
		exit          sql.NullString
		fte           int64
		contract, why string
	)
	err := r.Scan(&v.ID, &v.TenantID, &v.Ref, &v.Name, &v.Job, &v.SiteID, &agent, &user, &v.Homeshoring, &contract, &fte,
		&v.HireDate, &exit, &why, &v.Disability)
	v.AgentID, v.UserID = int64Ptr(agent), int64Ptr(user)
	v.Contract, v.ExitReason, v.FTE = model.Contract(contract), model.ExitReason(why), model.Milli(fte)
	if exit.Valid {
		d := exit.String
		v.ExitDate = &d
	}
	v.Training = []model.Training{}
	return v, err
}

func nullDate(d *string) any {
	if d == nil {
		return nil
	}
	return *d
}

// checkEmployeeRefs refuses an employee whose site, agent or user is not
// the tenant's.
func checkEmployeeRefs(ctx context.Context, c conn, tenantID int64, e model.Employee) error {
	if err := checkIDsExist(ctx, c, "sites", tenantID, "site_id", []int64{e.SiteID}); err != nil {
		return err
	}
	if e.AgentID != nil {
		if err := checkIDsExist(ctx, c, "agents", tenantID, "agent_id", []int64{*e.AgentID}); err != nil {
			return err
		}
	}
	if e.UserID != nil {
		if err := checkIDsExist(ctx, c, "users", tenantID, "user_id", []int64{*e.UserID}); err != nil {
			return err
		}
	}
	return nil
}

func insertEmployee(ctx context.Context, c conn, tenantID int64, e model.Employee) (int64, error) {
	if err := checkEmployeeRefs(ctx, c, tenantID, e); err != nil {
		return 0, err
	}
	id, err := c.insert(ctx, "INSERT INTO employees (tenant_id, ref, name, job, site_id, agent_id, user_id, homeshoring, contract, fte_milli, hire_date, exit_date, exit_reason, disability) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		tenantID, e.Ref, e.Name, e.Job, e.SiteID, nullInt64(e.AgentID), nullInt64(e.UserID), e.Homeshoring, string(e.Contract), int64(e.FTE),
		e.HireDate, nullDate(e.ExitDate), string(e.ExitReason), e.Disability)
	if err != nil {
		return 0, err
	}
	return id, replaceTraining(ctx, c, tenantID, id, e.Training)
}

func updateEmployee(ctx context.Context, c conn, tenantID int64, e model.Employee) error {
	if err := checkEmployeeRefs(ctx, c, tenantID, e); err != nil {
		return err
	}
	if err := c.execOne(ctx, "UPDATE employees SET ref = ?, name = ?, job = ?, site_id = ?, agent_id = ?, user_id = ?, homeshoring = ?, contract = ?, fte_milli = ?, hire_date = ?, exit_date = ?, exit_reason = ?, disability = ? WHERE tenant_id = ? AND id = ?",
		e.Ref, e.Name, e.Job, e.SiteID, nullInt64(e.AgentID), nullInt64(e.UserID), e.Homeshoring, string(e.Contract), int64(e.FTE),
		e.HireDate, nullDate(e.ExitDate), string(e.ExitReason), e.Disability, tenantID, e.ID); err != nil {
		return err
	}
	return replaceTraining(ctx, c, tenantID, e.ID, e.Training)
}

func replaceTraining(ctx context.Context, c conn, tenantID, employeeID int64, list []model.Training) error {
	if _, err := c.exec(ctx, "DELETE FROM employee_training WHERE tenant_id = ? AND employee_id = ?", tenantID, employeeID); err != nil {
		return err
	}
	for _, t := range list {
		if _, err := c.exec(ctx, "INSERT INTO employee_training (tenant_id, employee_id, day, hours_milli, subject) VALUES (?, ?, ?, ?, ?)",
			tenantID, employeeID, t.Date, int64(t.Hours), t.Subject); err != nil {
			return err
		}
	}
	return nil
}

// CreateEmployee stores a new employee with their training; a personnel
// number (ref) the tenant already uses is ErrConflict, a site, agent or
// user of another tenant ErrInvalid.
func (s *Store) CreateEmployee(ctx context.Context, tenantID int64, e model.Employee) (model.Employee, error) {
	if err := e.Validate(); err != nil {
		return model.Employee{}, invalidInput(err, "create employee")
	}
	var id int64
	err := s.inTx(ctx, func(c conn) error {
		var err error
		id, err = insertEmployee(ctx, c, tenantID, e)
		return err
	})
	if err != nil {
		return model.Employee{}, fail(err, "create employee %q", e.Ref)
	}
	return s.GetEmployee(ctx, tenantID, id)
}

// GetEmployee returns one of the tenant's employees with their training.
func (s *Store) GetEmployee(ctx context.Context, tenantID, id int64) (model.Employee, error) {
	e, err := scanEmployee(s.conn().queryRow(ctx, "SELECT "+employeeCols+" FROM employees WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.Employee{}, fail(err, "get employee %d", id)
	}
	list, err := s.listTraining(ctx, tenantID, id)
	if err != nil {
		return model.Employee{}, err
	}
	e.Training = list[id]
	if e.Training == nil {
		e.Training = []model.Training{}
	}
	return e, nil
}

// listTraining returns the tenant's training records by employee (every
// employee's when employeeID is 0), by date.
func (s *Store) listTraining(ctx context.Context, tenantID, employeeID int64) (map[int64][]model.Training, error) {
	q := "SELECT employee_id, day, hours_milli, subject FROM employee_training WHERE tenant_id = ?"
	args := []any{tenantID}
	if employeeID != 0 {
		q += " AND employee_id = ?"
		args = append(args, employeeID)
	}
	rows, err := s.conn().query(ctx, q+" ORDER BY employee_id, day, id", args...)
	if err != nil {
		return nil, fail(err, "list training of tenant %d", tenantID)
	}
	defer rows.Close()
	out := map[int64][]model.Training{}
	for rows.Next() {
		var (
			emp   int64
			t     model.Training
			hours int64
		)
		if err := rows.Scan(&emp, &t.Date, &hours, &t.Subject); err != nil {
			return nil, fail(err, "list training of tenant %d", tenantID)
		}
		t.Hours = model.Milli(hours)
		out[emp] = append(out[emp], t)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err, "list training of tenant %d", tenantID)
	}
	return out, nil
}

// ListEmployees returns the tenant's employees with their training, by
// personnel number.
func (s *Store) ListEmployees(ctx context.Context, tenantID int64) ([]model.Employee, error) {
	rows, err := s.conn().query(ctx, "SELECT "+employeeCols+" FROM employees WHERE tenant_id = ? ORDER BY ref", tenantID)
	if err != nil {
		return nil, fail(err, "list employees")
	}
	out, err := collect(rows, scanEmployee)
	if err != nil {
		return nil, fail(err, "list employees")
	}
	training, err := s.listTraining(ctx, tenantID, 0)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if t := training[out[i].ID]; t != nil {
			out[i].Training = t
		}
	}
	return out, nil
}

// UpdateEmployee replaces one of the tenant's employees and their
// training (e.ID names it).
func (s *Store) UpdateEmployee(ctx context.Context, tenantID int64, e model.Employee) error {
	if err := e.Validate(); err != nil {
		return invalidInput(err, "update employee %d", e.ID)
	}
	if err := s.inTx(ctx, func(c conn) error { return updateEmployee(ctx, c, tenantID, e) }); err != nil {
		return fail(err, "update employee %d", e.ID)
	}
	return nil
}

// DeleteEmployee removes one of the tenant's employees and their training.
func (s *Store) DeleteEmployee(ctx context.Context, tenantID, id int64) error {
	err := s.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "DELETE FROM employee_training WHERE tenant_id = ? AND employee_id = ?", tenantID, id); err != nil {
			return err
		}
		return c.execOne(ctx, "DELETE FROM employees WHERE tenant_id = ? AND id = ?", tenantID, id)
	})
	if err != nil {
		return failDelete(err, "delete employee %d", id)
	}
	return nil
}

// ImportEmployees creates or replaces employees by personnel number
// (ref), in one transaction: an invalid row refuses the whole list, its
// error an *ImportRowError naming the row (0-based index in list).
func (s *Store) ImportEmployees(ctx context.Context, tenantID int64, list []model.Employee) (created, updated int, err error) {
	for i, e := range list {
		if err := e.Validate(); err != nil {
			return 0, 0, invalidInput(&ImportRowError{Index: i, Err: err}, "import employees")
		}
	}
	err = s.inTx(ctx, func(c conn) error {
		created, updated = 0, 0
		for i, e := range list {
			var id int64
			err := c.queryRow(ctx, "SELECT id FROM employees WHERE tenant_id = ? AND ref = ?", tenantID, e.Ref).Scan(&id)
			switch {
			case err == sql.ErrNoRows:
				_, err = insertEmployee(ctx, c, tenantID, e)
				created++
			case err == nil:
				e.ID = id
				err = updateEmployee(ctx, c, tenantID, e)
				updated++
			}
			if err != nil {
				return &ImportRowError{Index: i, Err: err}
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fail(err, "import %d employees", len(list))
	}
	return created, updated, nil
}

// ImportRowError is the refusal of one row of an import.
type ImportRowError struct {
	Index int // 0-based
	Err   error
}

func (e *ImportRowError) Error() string { return fmt.Sprintf("row %d: %v", e.Index+1, e.Err) }
func (e *ImportRowError) Unwrap() error { return e.Err }

// RecordPlannedShare stores the France share of a shift plan published
// for a month; the latest one of a month is the month's plan.
func (s *Store) RecordPlannedShare(ctx context.Context, tenantID int64, p model.PlannedShare) (model.PlannedShare, error) {
	if err := p.Validate(); err != nil {
		return model.PlannedShare{}, invalidInput(err, "record a planned France share")
	}
	p.TenantID = tenantID
	p.PublishedAt = ts(p.PublishedAt)
	id, err := s.conn().insert(ctx, "INSERT INTO workforce_plans (tenant_id, period, total_hours_milli, france_hours_milli, published_at, published_by) VALUES (?, ?, ?, ?, ?, ?)",
		tenantID, p.Period, int64(p.TotalHours), int64(p.FranceHours), p.PublishedAt, p.PublishedBy)
	if err != nil {
		return model.PlannedShare{}, fail(err, "record the planned France share of %s", p.Period)
	}
	p.ID = id
	return p, nil
}

// PlannedShares returns the latest published plan of each month from
// fromPeriod to toPeriod (YYYY-MM, both included), by month.
func (s *Store) PlannedShares(ctx context.Context, tenantID int64, fromPeriod, toPeriod string) ([]model.PlannedShare, error) {
	rows, err := s.conn().query(ctx, `SELECT id, tenant_id, period, total_hours_milli, france_hours_milli, published_at, published_by
		FROM workforce_plans WHERE tenant_id = ? AND period >= ? AND period <= ? ORDER BY period, published_at DESC, id DESC`,
		tenantID, fromPeriod, toPeriod)
	if err != nil {
		return nil, fail(err, "list planned France shares")
	}
	all, err := collect(rows, func(r scanner) (model.PlannedShare, error) {
		var (
			p             model.PlannedShare
			total, france int64
		)
		err := r.Scan(&p.ID, &p.TenantID, &p.Period, &total, &france, &p.PublishedAt, &p.PublishedBy)
		p.TotalHours, p.FranceHours, p.PublishedAt = model.Milli(total), model.Milli(france), p.PublishedAt.UTC()
		return p, err
	})
	if err != nil {
		return nil, fail(err, "list planned France shares")
	}
	out := []model.PlannedShare{}
	for _, p := range all {
		if len(out) == 0 || out[len(out)-1].Period != p.Period {
			out = append(out, p)
		}
	}
	return out, nil
}

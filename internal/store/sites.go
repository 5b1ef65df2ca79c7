package store

import (
	"context"

	"github.com/plateau-cc/plateau/internal/model"
)

const siteCols = "id, tenant_id, name, country, kind, cost_per_hour_cents"

func scanSite(r scanner) (model.Site, error) {
	var v model.Site
	err := r.Scan(&v.ID, &v.TenantID, &v.Name, &v.Country, &v.Kind, &v.CostPerHour)
	return v, err
}

// CreateSite stores a new site in the tenant; a duplicate name is ErrConflict.
func (s *Store) CreateSite(ctx context.Context, tenantID int64, v model.Site) (model.Site, error) {
	if err := v.Validate(); err != nil {
		return model.Site{}, invalidInput(err, "create site")
	}
	v.TenantID = tenantID
	id, err := s.conn().insert(ctx, "INSERT INTO sites (tenant_id, name, country, kind, cost_per_hour_cents) VALUES (?, ?, ?, ?, ?)",
		tenantID, v.Name, v.Country, v.Kind, v.CostPerHour)
	if err != nil {
		return model.Site{}, fail(err, "create site %q", v.Name)
	}
	v.ID = id
	return v, nil
}

// GetSite returns one of the tenant's sites.
func (s *Store) GetSite(ctx context.Context, tenantID, id int64) (model.Site, error) {
	v, err := scanSite(s.conn().queryRow(ctx, "SELECT "+siteCols+" FROM sites WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.Site{}, fail(err, "get site %d", id)
	}
	return v, nil
}

// ListSites returns the tenant's sites, by id.
func (s *Store) ListSites(ctx context.Context, tenantID int64) ([]model.Site, error) {
	rows, err := s.conn().query(ctx, "SELECT "+siteCols+" FROM sites WHERE tenant_id = ? ORDER BY id", tenantID)
	if err != nil {
		return nil, fail(err, "list sites")
	}
	out, err := collect(rows, scanSite)
	if err != nil {
		return nil, fail(err, "list sites")
	}
	return out, nil
}

// UpdateSite replaces one of the tenant's sites (v.ID names it).
func (s *Store) UpdateSite(ctx context.Context, tenantID int64, v model.Site) error {
	if err := v.Validate(); err != nil {
		return invalidInput(err, "update site %d", v.ID)
	}
	err := s.conn().execOne(ctx, "UPDATE sites SET name = ?, country = ?, kind = ?, cost_per_hour_cents = ? WHERE tenant_id = ? AND id = ?",
		v.Name, v.Country, v.Kind, v.CostPerHour, tenantID, v.ID)
	if err != nil {
		return fail(err, "update site %d", v.ID)
	}
	return nil
}

// DeleteSite removes one of the tenant's sites; a site with agents is ErrConflict.
func (s *Store) DeleteSite(ctx context.Context, tenantID, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM sites WHERE tenant_id = ? AND id = ?", tenantID, id); err != nil {
		return failDelete(err, "delete site %d", id)
	}
	return nil
}

package store

import (
	"context"

	"github.com/plateau-cc/plateau/internal/model"
)

const tenantCols = "id, slug, name, created_at"

func scanTenant(r scanner) (model.Tenant, error) {
	var t model.Tenant
	err := r.Scan(&t.ID, &t.Slug, &t.Name, &t.CreatedAt)
	t.CreatedAt = t.CreatedAt.UTC()
	return t, err
}

// CreateTenant stores a new tenant; a duplicate slug is ErrConflict.
func (s *Store) CreateTenant(ctx context.Context, t model.Tenant) (model.Tenant, error) {
	if err := t.Validate(); err != nil {
		return model.Tenant{}, invalidInput(err, "create tenant")
	}
	t.CreatedAt = ts(s.now())
	id, err := s.conn().insert(ctx, "INSERT INTO tenants (slug, name, created_at) VALUES (?, ?, ?)", t.Slug, t.Name, t.CreatedAt)
	if err != nil {
		return model.Tenant{}, fail(err, "create tenant %q", t.Slug)
	}
	t.ID = id
	return t, nil
}

// GetTenant returns a tenant by id.
func (s *Store) GetTenant(ctx context.Context, id int64) (model.Tenant, error) {
	t, err := scanTenant(s.conn().queryRow(ctx, "SELECT "+tenantCols+" FROM tenants WHERE id = ?", id))
	if err != nil {
		return model.Tenant{}, fail(err, "get tenant %d", id)
	}
	return t, nil
}

// GetTenantBySlug returns a tenant by slug.
func (s *Store) GetTenantBySlug(ctx context.Context, slug string) (model.Tenant, error) {
	t, err := scanTenant(s.conn().queryRow(ctx, "SELECT "+tenantCols+" FROM tenants WHERE slug = ?", slug))
	if err != nil {
		return model.Tenant{}, fail(err, "get tenant %q", slug)
	}
	return t, nil
}

// ListTenants returns every tenant, by id.
func (s *Store) ListTenants(ctx context.Context) ([]model.Tenant, error) {
	rows, err := s.conn().query(ctx, "SELECT "+tenantCols+" FROM tenants ORDER BY id")
	if err != nil {
		return nil, fail(err, "list tenants")
	}
	out, err := collect(rows, scanTenant)
	if err != nil {
		return nil, fail(err, "list tenants")
	}
	return out, nil
}

// UpdateTenant changes a tenant's slug and name.
func (s *Store) UpdateTenant(ctx context.Context, t model.Tenant) error {
	if err := t.Validate(); err != nil {
		return invalidInput(err, "update tenant %d", t.ID)
	}
	err := s.conn().execOne(ctx, "UPDATE tenants SET slug = ?, name = ? WHERE id = ?", t.Slug, t.Name, t.ID)
	if err != nil {
		return fail(err, "update tenant %d", t.ID)
	}
	return nil
}

// DeleteTenant removes a tenant that owns nothing any more; a tenant still
// holding rows is ErrConflict.
func (s *Store) DeleteTenant(ctx context.Context, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM tenants WHERE id = ?", id); err != nil {
		return failDelete(err, "delete tenant %d", id)
	}
	return nil
}

package store

import (
	"context"

	"github.com/plateau-cc/plateau/internal/model"
)

const cannedColumns = "id, tenant_id, code, title, body"

func scanCanned(r scanner) (model.CannedResponse, error) {
	var v model.CannedResponse
	err := r.Scan(&v.ID, &v.TenantID, &v.Code, &v.Title, &v.Body)
	return v, err
}

// CreateCannedResponse stores a new canned response; a code the tenant
// already uses is ErrConflict.
func (s *Store) CreateCannedResponse(ctx context.Context, tenantID int64, v model.CannedResponse) (model.CannedResponse, error) {
	if err := v.Validate(); err != nil {
		return model.CannedResponse{}, invalidInput(err, "create canned response")
	}
	v.TenantID = tenantID
	id, err := s.conn().insert(ctx, "INSERT INTO canned_responses (tenant_id, code, title, body) VALUES (?, ?, ?, ?)", tenantID, v.Code, v.Title, v.Body)
	if err != nil {
		return model.CannedResponse{}, fail(err, "create canned response %q", v.Code)
	}
	v.ID = id
	return v, nil
}

// GetCannedResponse returns one of the tenant's canned responses.
func (s *Store) GetCannedResponse(ctx context.Context, tenantID, id int64) (model.CannedResponse, error) {
	v, err := scanCanned(s.conn().queryRow(ctx, "SELECT "+cannedColumns+" FROM canned_responses WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.CannedResponse{}, fail(err, "get canned response %d", id)
	}
	return v, nil
}

// ListCannedResponses returns the tenant's canned responses, by code.
func (s *Store) ListCannedResponses(ctx context.Context, tenantID int64) ([]model.CannedResponse, error) {
	rows, err := s.conn().query(ctx, "SELECT "+cannedColumns+" FROM canned_responses WHERE tenant_id = ? ORDER BY code", tenantID)
	if err != nil {
		return nil, fail(err, "list canned responses")
	}
	out, err := collect(rows, scanCanned)
	if err != nil {
		return nil, fail(err, "list canned responses")
	}
	return out, nil
}

// UpdateCannedResponse replaces one of the tenant's canned responses (v.ID
// names it).
func (s *Store) UpdateCannedResponse(ctx context.Context, tenantID int64, v model.CannedResponse) error {
	if err := v.Validate(); err != nil {
		return invalidInput(err, "update canned response %d", v.ID)
	}
	if err := s.conn().execOne(ctx, "UPDATE canned_responses SET code = ?, title = ?, body = ? WHERE tenant_id = ? AND id = ?",
		v.Code, v.Title, v.Body, tenantID, v.ID); err != nil {
		return fail(err, "update canned response %d", v.ID)
	}
	return nil
}

// DeleteCannedResponse removes one of the tenant's canned responses.
func (s *Store) DeleteCannedResponse(ctx context.Context, tenantID, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM canned_responses WHERE tenant_id = ? AND id = ?", tenantID, id); err != nil {
		return failDelete(err, "delete canned response %d", id)
	}
	return nil
}

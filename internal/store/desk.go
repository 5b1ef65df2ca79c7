package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/plateau-cc/plateau/internal/model"
)

// The admin pages' editable desk lists (dispositions, not-ready reasons)
// and the chat widget's settings per entry point.

const reasonColumns = "id, tenant_id, kind, code, label, position"

func scanReason(r scanner) (model.Reason, error) {
	var v model.Reason
	err := r.Scan(&v.ID, &v.TenantID, &v.Kind, &v.Code, &v.Label, &v.Position)
	return v, err
}

// CreateReason stores a new entry of the tenant's list kind; a code the
// list already has is ErrConflict.
func (s *Store) CreateReason(ctx context.Context, tenantID int64, kind model.ReasonKind, v model.Reason) (model.Reason, error) {
	if err := v.Validate(); err != nil {
		return model.Reason{}, invalidInput(err, "create %s", kind)
	}
	v.TenantID, v.Kind = tenantID, kind
	id, err := s.conn().insert(ctx, "INSERT INTO desk_reasons (tenant_id, kind, code, label, position) VALUES (?, ?, ?, ?, ?)",
		tenantID, kind, v.Code, v.Label, v.Position)
	if err != nil {
		return model.Reason{}, fail(err, "create %s %q", kind, v.Code)
	}
	v.ID = id
	return v, nil
}

// GetReason returns one entry of the tenant's list kind.
func (s *Store) GetReason(ctx context.Context, tenantID int64, kind model.ReasonKind, id int64) (model.Reason, error) {
	v, err := scanReason(s.conn().queryRow(ctx, "SELECT "+reasonColumns+" FROM desk_reasons WHERE tenant_id = ? AND kind = ? AND id = ?", tenantID, kind, id))
	if err != nil {
		return model.Reason{}, fail(err, "get %s %d", kind, id)
	}
	return v, nil
}

// ListReasons returns the tenant's list kind in its order.
func (s *Store) ListReasons(ctx context.Context, tenantID int64, kind model.ReasonKind) ([]model.Reason, error) {
	rows, err := s.conn().query(ctx, "SELECT "+reasonColumns+" FROM desk_reasons WHERE tenant_id = ? AND kind = ? ORDER BY position, code", tenantID, kind)
	if err != nil {
		return nil, fail(err, "list %s", kind)
	}
	out, err := collect(rows, scanReason)
	if err != nil {
		return nil, fail(err, "list %s", kind)
	}
	return out, nil
}

// UpdateReason replaces one entry of the tenant's list kind (v.ID names it).
func (s *Store) UpdateReason(ctx context.Context, tenantID int64, kind model.ReasonKind, v model.Reason) error {
	if err := v.Validate(); err != nil {
		return invalidInput(err, "update %s %d", kind, v.ID)
	}
	if err := s.conn().execOne(ctx, "UPDATE desk_reasons SET code = ?, label = ?, position = ? WHERE tenant_id = ? AND kind = ? AND id = ?",
		v.Code, v.Label, v.Position, tenantID, kind, v.ID); err != nil {
		return fail(err, "update %s %d", kind, v.ID)
	}
	return nil
}

// DeleteReason removes one entry of the tenant's list kind; contacts and
// states that used its code keep it.
func (s *Store) DeleteReason(ctx context.Context, tenantID int64, kind model.ReasonKind, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM desk_reasons WHERE tenant_id = ? AND kind = ? AND id = ?", tenantID, kind, id); err != nil {
		return failDelete(err, "delete %s %d", kind, id)
	}
	return nil
}

// GetWidgetSettings returns the widget settings of one of the tenant's
// chat entry points; an entry point never configured has the defaults
// (all empty).
func (s *Store) GetWidgetSettings(ctx context.Context, tenantID, entryPointID int64) (model.WidgetSettings, error) {
	ep, err := s.GetEntryPoint(ctx, tenantID, entryPointID)
	if err != nil {
		return model.WidgetSettings{}, err
	}
	return s.widgetSettings(ctx, ep)
}

// WidgetSettingsByKey returns the widget settings of the chat entry point
// whose key is address, whatever its tenant (the widget asks by key).
func (s *Store) WidgetSettingsByKey(ctx context.Context, address string) (model.WidgetSettings, error) {
	ep, err := s.ResolveEntryPoint(ctx, model.EntryChat, address)
	if err != nil {
		return model.WidgetSettings{}, err
	}
	return s.widgetSettings(ctx, ep)
}

func (s *Store) widgetSettings(ctx context.Context, ep model.EntryPoint) (model.WidgetSettings, error) {
	w := model.WidgetSettings{EntryPointID: ep.ID}
	err := s.conn().queryRow(ctx, "SELECT colour, text_colour, logo_url, greeting, closed_text FROM widget_settings WHERE tenant_id = ? AND entry_point_id = ?",
		ep.TenantID, ep.ID).Scan(&w.Colour, &w.TextColour, &w.LogoURL, &w.Greeting, &w.ClosedText)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return model.WidgetSettings{}, fail(err, "widget settings of entry point %d", ep.ID)
	}
	return w, nil
}

// SetWidgetSettings replaces the widget settings of one of the tenant's
// chat entry points (w.EntryPointID names it).
func (s *Store) SetWidgetSettings(ctx context.Context, tenantID int64, w model.WidgetSettings) error {
	if err := w.Validate(); err != nil {
		return invalidInput(err, "set widget settings of entry point %d", w.EntryPointID)
	}
	ep, err := s.GetEntryPoint(ctx, tenantID, w.EntryPointID)
	if err != nil {
		return err
	}
	if ep.Kind != model.EntryChat {
		return invalidInput(model.Keyed("entry_point_id", "widget_chat_only", nil, "only chat entry points have a widget"), "set widget settings of entry point %d", ep.ID)
	}
	if _, err := s.conn().exec(ctx, `INSERT INTO widget_settings (entry_point_id, tenant_id, colour, text_colour, logo_url, greeting, closed_text)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_point_id) DO UPDATE SET colour = excluded.colour, text_colour = excluded.text_colour,
		logo_url = excluded.logo_url, greeting = excluded.greeting, closed_text = excluded.closed_text`,
		ep.ID, tenantID, w.Colour, w.TextColour, w.LogoURL, w.Greeting, w.ClosedText); err != nil {
		return fail(err, "set widget settings of entry point %d", ep.ID)
	}
	return nil
}

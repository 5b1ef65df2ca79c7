package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

const entryPointCols = `id, tenant_id, kind, address, queue_id, schedule_id, welcome, menu,
	COALESCE((SELECT duration_ms FROM entry_point_prompts p WHERE p.entry_point_id = entry_points.id), 0),
	COALESCE((SELECT version FROM entry_point_prompts p WHERE p.entry_point_id = entry_points.id), 0)`

func scanEntryPoint(r scanner) (model.EntryPoint, error) {
	var (
		e     model.EntryPoint
		sched sql.NullInt64
		menu  string
	)
	err := r.Scan(&e.ID, &e.TenantID, &e.Kind, &e.Address, &e.QueueID, &sched, &e.Welcome, &menu, &e.MenuPromptMS, &e.MenuPromptVersion)
	if err != nil {
		return e, err
	}
	e.ScheduleID = int64Ptr(sched)
	if menu != "" {
		e.Menu = &model.Menu{}
		e.Menu.Options, err = fromJSON[model.MenuOption](menu, "menu")
	}
	return e, err
}

// entryPointMenu checks e's menu for tenantID, in c: its queues must be
// voice queues of the tenant. It returns e's menu column.
func entryPointMenu(ctx context.Context, c conn, tenantID int64, e model.EntryPoint) (string, error) {
	if e.Menu == nil {
		return "", nil
	}
	for i, o := range e.Menu.Options {
		if err := checkQueueFits(ctx, c, tenantID, o.QueueID, model.ChannelVoice, ""); err != nil {
			var ve *model.ValidationError
			if errors.As(err, &ve) {
				ve.Field = fmt.Sprintf("menu.options[%d].queue_id", i)
			}
			return "", err
		}
	}
	return toJSON(e.Menu.Options)
}

// CreateEntryPoint stores a new entry point of the tenant. Its queue and
// schedule must belong to the tenant, and its menu's queues be voice
// queues of the tenant (ErrInvalid); an address already used by any tenant
// for the same kind is ErrConflict.
func (s *Store) CreateEntryPoint(ctx context.Context, tenantID int64, e model.EntryPoint) (model.EntryPoint, error) {
	if err := e.Validate(); err != nil {
		return model.EntryPoint{}, invalidInput(err, "create entry point")
	}
	e.TenantID = tenantID
	e.MenuPromptMS, e.MenuPromptVersion = 0, 0
	err := s.inTx(ctx, func(c conn) error {
		menu, err := entryPointMenu(ctx, c, tenantID, e)
		if err != nil {
			return err
		}
		e.ID, err = c.insert(ctx, "INSERT INTO entry_points (tenant_id, kind, address, queue_id, schedule_id, welcome, menu) VALUES (?, ?, ?, ?, ?, ?, ?)",
			tenantID, e.Kind, e.Address, e.QueueID, nullInt64(e.ScheduleID), e.Welcome, menu)
		return err
	})
	if err != nil {
		return model.EntryPoint{}, fail(err, "create %s entry point %q", e.Kind, e.Address)
	}
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
	return listEntryPoints(ctx, s.conn(), tenantID)
}

func listEntryPoints(ctx context.Context, c conn, tenantID int64) ([]model.EntryPoint, error) {
	rows, err := c.query(ctx, "SELECT "+entryPointCols+" FROM entry_points WHERE tenant_id = ? ORDER BY id", tenantID)
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
// under the same rules as CreateEntryPoint. Its menu prompt stays while it
// is a phone entry point.
func (s *Store) UpdateEntryPoint(ctx context.Context, tenantID int64, e model.EntryPoint) error {
	if err := e.Validate(); err != nil {
		return invalidInput(err, "update entry point %d", e.ID)
	}
	err := s.inTx(ctx, func(c conn) error {
		menu, err := entryPointMenu(ctx, c, tenantID, e)
		if err != nil {
			return err
		}
		err = c.execOne(ctx, "UPDATE entry_points SET kind = ?, address = ?, queue_id = ?, schedule_id = ?, welcome = ?, menu = ? WHERE tenant_id = ? AND id = ?",
			e.Kind, e.Address, e.QueueID, nullInt64(e.ScheduleID), e.Welcome, menu, tenantID, e.ID)
		if err != nil || e.Kind == model.EntryPhone {
			return err
		}
		// Only phone entry points have a menu prompt.
		_, err = c.exec(ctx, "DELETE FROM entry_point_prompts WHERE tenant_id = ? AND entry_point_id = ?", tenantID, e.ID)
		return err
	})
	if err != nil {
		return fail(err, "update entry point %d", e.ID)
	}
	return nil
}

// DeleteEntryPoint removes one of the tenant's entry points (and its menu
// prompt).
func (s *Store) DeleteEntryPoint(ctx context.Context, tenantID, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM entry_points WHERE tenant_id = ? AND id = ?", tenantID, id); err != nil {
		return failDelete(err, "delete entry point %d", id)
	}
	return nil
}

// MaxMenuPromptBytes bounds a stored menu prompt: 60 s of 8 kHz 16-bit
// audio and its WAV header.
const MaxMenuPromptBytes = 60*8000*2 + 44

// SetMenuPrompt stores the recorded menu prompt of one of the tenant's
// phone entry points (replacing any): wav is the audio as the SIP server
// plays it (8 kHz mono 16-bit PCM WAV; internal/media checks and converts
// uploads), d its length.
func (s *Store) SetMenuPrompt(ctx context.Context, tenantID, entryID int64, wav []byte, d time.Duration) error {
	if len(wav) == 0 || len(wav) > MaxMenuPromptBytes || d < time.Millisecond {
		return fmt.Errorf("set menu prompt of entry point %d: %w: %d bytes, %v of audio (at most %d bytes)", entryID, ErrInvalid, len(wav), d, MaxMenuPromptBytes)
	}
	err := s.inTx(ctx, func(c conn) error {
		var kind model.EntryPointKind
		if err := c.queryRow(ctx, "SELECT kind FROM entry_points WHERE tenant_id = ? AND id = ?", tenantID, entryID).Scan(&kind); err != nil {
			return err
		}
		if kind != model.EntryPhone {
			return fmt.Errorf("%w: only phone entry points have a voice menu", ErrInvalid)
		}
		_, err := c.exec(ctx, `INSERT INTO entry_point_prompts (entry_point_id, tenant_id, audio, duration_ms, version) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (entry_point_id) DO UPDATE SET audio = excluded.audio, duration_ms = excluded.duration_ms, version = excluded.version`,
			entryID, tenantID, wav, max(d.Milliseconds(), 1), time.Now().UnixNano())
		return err
	})
	if err != nil {
		return fail(err, "set menu prompt of entry point %d", entryID)
	}
	return nil
}

// MenuPrompt returns the recorded menu prompt of one of the tenant's entry
// points (ErrNotFound when none is stored) and its version.
func (s *Store) MenuPrompt(ctx context.Context, tenantID, entryID int64) (wav []byte, version int64, err error) {
	err = s.conn().queryRow(ctx, "SELECT audio, version FROM entry_point_prompts WHERE tenant_id = ? AND entry_point_id = ?", tenantID, entryID).Scan(&wav, &version)
	if err != nil {
		return nil, 0, fail(err, "get menu prompt of entry point %d", entryID)
	}
	return wav, version, nil
}

// DeleteMenuPrompt removes the recorded menu prompt of one of the tenant's
// entry points (ErrNotFound when none is stored): its menu is then not
// offered.
func (s *Store) DeleteMenuPrompt(ctx context.Context, tenantID, entryID int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM entry_point_prompts WHERE tenant_id = ? AND entry_point_id = ?", tenantID, entryID); err != nil {
		return failDelete(err, "delete menu prompt of entry point %d", entryID)
	}
	return nil
}

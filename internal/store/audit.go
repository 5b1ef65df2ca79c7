package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Bounds of ListAudit's limit.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

const auditCols = "id, tenant_id, at, actor, address, action, target, target_id, request_id"

// AppendAudit adds a line to the audit log (which takes no update or
// delete: the database refuses them).
func (s *Store) AppendAudit(ctx context.Context, e model.AuditEntry) error {
	_, err := s.conn().insert(ctx, "INSERT INTO audit_log (tenant_id, at, actor, address, action, target, target_id, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		nullInt64(e.TenantID), ts(e.At), e.Actor, e.Address, e.Action, e.Target, nullInt64(e.TargetID), e.RequestID)
	if err != nil {
		return fail(err, "append to the audit log")
	}
	return nil
}

// AuditFilter selects audit lines; zero fields select everything.
type AuditFilter struct {
	From, To time.Time // From <= at < To
	Actor    string    // contains, case-insensitive
	Action   string
	Target   string
	TargetID int64
	// AfterID pages: only lines with a greater id (export the whole log by
	// passing the last id seen).
	AfterID int64
	// Limit is at most MaxAuditLimit; 0 means DefaultAuditLimit.
	Limit int
}

// ListAudit returns a tenant's audit lines (nil: the platform's) matching
// f, oldest first.
func (s *Store) ListAudit(ctx context.Context, tenantID *int64, f AuditFilter) ([]model.AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	if tenantID == nil {
		where = append(where, "tenant_id IS NULL")
	} else {
		where, args = append(where, "tenant_id = ?"), append(args, *tenantID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, ts(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "at < ?"), append(args, ts(f.To))
	}
	if f.Actor != "" {
		where, args = append(where, "LOWER(actor) LIKE ?"), append(args, "%"+strings.ToLower(likeEscape(f.Actor))+"%")
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if f.TargetID > 0 {
		where, args = append(where, "target_id = ?"), append(args, f.TargetID)
	}
	if f.AfterID > 0 {
		where, args = append(where, "id > ?"), append(args, f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)
	rows, err := s.conn().query(ctx, "SELECT "+auditCols+" FROM audit_log WHERE "+strings.Join(where, " AND ")+
		fmt.Sprintf(" ORDER BY id LIMIT %d", limit), args...)
	if err != nil {
		return nil, fail(err, "list the audit log")
	}
	out, err := collect(rows, scanAudit)
	if err != nil {
		return nil, fail(err, "list the audit log")
	}
	return out, nil
}

// likeEscape drops LIKE's wildcards from a search text.
func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

func scanAudit(r scanner) (model.AuditEntry, error) {
	var (
		e              model.AuditEntry
		tenant, target sql.NullInt64
	)
	err := r.Scan(&e.ID, &tenant, &e.At, &e.Actor, &e.Address, &e.Action, &e.Target, &target, &e.RequestID)
	e.TenantID, e.TargetID = int64Ptr(tenant), int64Ptr(target)
	e.At = e.At.UTC()
	return e, err
}

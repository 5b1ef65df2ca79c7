package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// The audit log (GDPR, CNIL: who read or changed what): every successful
// state-changing request and every read of a customer's interaction or
// transcript is appended to it, with the time, the person or token and the
// client's address, never the data itself. Tenant admins search their
// tenant's log and export it page by page (after_id); platform admins read
// the platform's.

// auditParams are the audit routes' query parameters.
var auditParams = []param{
	{name: "from", description: "RFC 3339 time: lines at or after it", typ: "string"},
	{name: "to", description: "RFC 3339 time: lines before it", typ: "string"},
	{name: "actor", description: "text the actor contains (\"user 3\", a login, \"token 5\")", typ: "string"},
	{name: "action", description: "operation id of the request (getInteraction, deleteUser, ...)", typ: "string"},
	{name: "target", description: "kind of data (interactions, users, tokens, queues, ...)", typ: "string"},
	{name: "target_id", description: "id of the row"},
	{name: "after_id", description: "only lines with a greater id: pass the last id seen to export the whole log"},
	{name: "limit", description: fmt.Sprintf("at most this many lines (default %d, at most %d); a CSV export has every matching line", store.DefaultAuditLimit, store.MaxAuditLimit)},
	{name: "format", description: "csv for CSV, every matching line (also Accept: text/csv); JSON by default", typ: "string"},
}

func (a *API) auditRoutes(v1 string) []route {
	rs := []route{
		mk(http.MethodGet, v1+"/tenants/{tid}/audit", "listAudit", "Search the tenant's audit log (who read or changed what), oldest first; CSV exports every matching line", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) ([]model.AuditEntry, error) {
				return a.listAudit(ctx, c, &c.tid)
			}).withQuery(auditParams...),
		mk(http.MethodGet, v1+"/audit", "listPlatformAudit", "Search the platform's audit log (tenants, platform tokens), oldest first; CSV exports every matching line", accessPlatform,
			func(ctx context.Context, c *call, _ *noBody) ([]model.AuditEntry, error) {
				return a.listAudit(ctx, c, nil)
			}).withQuery(auditParams...),
	}
	for i := range rs {
		rs[i].csv = true
	}
	return rs
}

func (a *API) listAudit(ctx context.Context, c *call, tenantID *int64) ([]model.AuditEntry, error) {
	q := c.r.URL.Query()
	var f store.AuditFilter
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return nil, apiErr(CodeBadRequest, "query parameter %s must be an RFC 3339 time (got %q)", name, s)
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*int64{"target_id": &f.TargetID, "after_id": &f.AfterID} {
		if s := q.Get(name); s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				return nil, apiErr(CodeBadRequest, "query parameter %s must be a non-negative integer (got %q)", name, s)
			}
			*dst = v
		}
	}
	if s := q.Get("limit"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > store.MaxAuditLimit {
			return nil, apiErr(CodeBadRequest, "query parameter limit must be 1 to %d (got %q)", store.MaxAuditLimit, s)
		}
		f.Limit = v
	}
	f.Actor, f.Action, f.Target = q.Get("actor"), q.Get("action"), q.Get("target")
	if f := q.Get("format"); f != "" && f != "csv" && f != "json" {
		return nil, fieldErr(CodeBadRequest, "format", "must be csv or json (got %q)", f)
	}
	if wantsCSV(c.r) {
		return nil, a.streamAuditCSV(ctx, c, tenantID, f)
	}
	v, err := a.st.ListAudit(ctx, tenantID, f)
	return nonNil(v), err
}

// auditCSVHeader is the audit export's header.
var auditCSVHeader = []string{"id", "at", "actor", "address", "action", "target", "target_id", "request_id"}

// streamAuditCSV writes every line of the search as CSV, a page at a time
// (after_id), so memory stays bounded whatever the log's size.
func (a *API) streamAuditCSV(ctx context.Context, c *call, tenantID *int64, f store.AuditFilter) error {
	f.Limit = store.MaxAuditLimit
	page, err := a.st.ListAudit(ctx, tenantID, f)
	if err != nil {
		return err // nothing written yet: a proper error response
	}
	c.w.Header().Set("Content-Type", textCSV+"; charset=utf-8")
	c.w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	w := csv.NewWriter(c.w)
	_ = w.Write(auditCSVHeader)
	n := 0
	for len(page) > 0 {
		for _, e := range page {
			id := ""
			if e.TargetID != nil {
				id = strconv.FormatInt(*e.TargetID, 10)
			}
			_ = w.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), csvSafe(e.Actor), e.Address, e.Action, e.Target, id, e.RequestID})
			n++
		}
		if len(page) < f.Limit {
			break
		}
		f.AfterID = page[len(page)-1].ID
		if page, err = a.st.ListAudit(ctx, tenantID, f); err != nil {
			break
		}
	}
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		a.log.WarnContext(ctx, "stream audit CSV", "rows", n, "err", err)
	}
	return errWritten
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (an actor
// is a login a person chose, or the login tried at a failed sign-in).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// auditTenant is the tenant a request's line belongs to: the path's, or
// the caller's own; nil for the platform.
func auditTenant(c *call) *int64 {
	if c.tid > 0 {
		tid := c.tid
		return &tid
	}
	if c.p != nil {
		return c.p.TenantID
	}
	return nil
}

// record appends a line for the request to the audit log.
func (a *API) record(ctx context.Context, c *call, actor, action, target string) error {
	e := model.AuditEntry{TenantID: auditTenant(c), At: a.now(), Actor: actor, Address: clientIP(c.r),
		Action: action, Target: target, RequestID: requestID(ctx)}
	if c.id > 0 {
		id := c.id
		e.TargetID = &id
	}
	if err := a.st.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// recordChange appends a successful state-changing request to the audit
// log; the change is made, so a failure to record it is logged.
func (a *API) recordChange(ctx context.Context, c *call, rt route) {
	if c.p == nil {
		return // sign-in records itself
	}
	if err := a.record(ctx, c, c.p.describe(), rt.name, rt.tag); err != nil {
		a.log.ErrorContext(ctx, "audit log", "request_id", requestID(ctx), "err", err)
	}
}

// auditRead records that the caller reads a customer's data; the read is
// refused when it cannot be recorded.
func (a *API) auditRead(ctx context.Context, c *call, action, target string) error {
	a.audit(ctx, c, action)
	return a.record(ctx, c, c.p.describe(), action, target)
}

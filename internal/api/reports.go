package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
)

// Reports: figures over any period from the rollups (internal/report),
// the search of contacts, and the day's abandoned contacts. Each answers
// JSON, or CSV with ?format=csv or Accept: text/csv.

const textCSV = "text/csv"

// errWritten: the handler wrote its own response (CSV); nothing else to send.
var errWritten = errors.New("response written")

// reportParams are the query parameters of the reports.
var reportParams = []param{
	{name: "from", description: "first day, YYYY-MM-DD, in each queue's time zone (required)"},
	{name: "to", description: "last day, YYYY-MM-DD, included (required)"},
	{name: "group", description: "interval (15 min, at most 31 days), hour, day (default), week or month (at most 400 days)"},
	{name: "queue", description: "a queue id: only its figures"},
	{name: "tier", description: "a service tier name: only its contacts (\"\" is the default tier)"},
	{name: "channel", description: "voice or chat"},
	{name: "format", description: "csv for CSV (also Accept: text/csv); JSON by default"},
}

func stringParams(ps []param) []param {
	out := make([]param, len(ps))
	for i, p := range ps {
		p.typ = "string"
		out[i] = p
	}
	return out
}

// checkParams refuses query parameters the route does not document.
func checkParams(r *http.Request, known []param) error {
	for name := range r.URL.Query() {
		ok := false
		for _, p := range known {
			if p.name == name {
				ok = true
				break
			}
		}
		if !ok {
			return fieldErr(CodeBadRequest, name, "unknown query parameter %q", name)
		}
	}
	return nil
}

func wantsCSV(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "csv"
	}
	return strings.Contains(r.Header.Get("Accept"), textCSV)
}

func reportRequest(c *call, known []param) (report.Request, error) {
	if err := checkParams(c.r, known); err != nil {
		return report.Request{}, err
	}
	q := c.r.URL.Query()
	if f := q.Get("format"); f != "" && f != "csv" && f != "json" {
		return report.Request{}, fieldErr(CodeBadRequest, "format", "must be csv or json (got %q)", f)
	}
	req := report.Request{TenantID: c.tid, From: q.Get("from"), To: q.Get("to"), Group: report.Group(q.Get("group")),
		Channel: model.Channel(q.Get("channel"))}
	if q.Has("tier") {
		t := q.Get("tier")
		req.Tier = &t
	}
	switch by := report.By(q.Get("by")); by {
	case "", report.ByQueue, report.ByTier:
		req.By = by
	default:
		return req, fieldErr(CodeValidationFailed, "by", "must be queue or tier (got %q)", by)
	}
	for _, k := range []struct {
		name string
		dst  *int64
	}{{"queue", &req.QueueID}, {"agent", &req.AgentID}} {
		id, err := queryID(c.r, k.name)
		if err != nil {
			return req, err
		}
		if id != nil {
			*k.dst = *id
		}
	}
	if s := q.Get("fcr_days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return req, fieldErr(CodeValidationFailed, "fcr_days", "must be a whole number of days from 1 to 90 (got %q)", s)
		}
		req.FCRDays = n
	}
	return req, nil
}

// reportErr maps a report's refusal to the catalogue.
func reportErr(err error) error {
	var fe *report.FieldError
	if errors.As(err, &fe) {
		if fe.Field == "queue" {
			return fieldErr(CodeNotFound, fe.Field, "%s", fe.Message)
		}
		return fieldErr(CodeValidationFailed, fe.Field, "%s", fe.Message)
	}
	return err
}

// reportRoute declares a report route: run computes it, rows gives the
// rows CSV writes (one line each, the JSON field names as header).
func reportRoute[Out any](a *API, path, name, summary string, known []param, run func(context.Context, report.Request) (Out, error), rows func(Out) any) route {
	rt := mk(http.MethodGet, path, name, summary, accessTenantInteractions,
		func(ctx context.Context, c *call, _ *noBody) (Out, error) {
			var zero Out
			req, err := reportRequest(c, known)
			if err != nil {
				return zero, err
			}
			out, err := run(ctx, req)
			if err != nil {
				return zero, reportErr(err)
			}
			if wantsCSV(c.r) {
				if err := writeCSV(c.w, name, rows(out)); err != nil {
					a.log.WarnContext(ctx, "write CSV report", "report", name, "err", err)
				}
				return zero, errWritten
			}
			return out, nil
		}).withQuery(stringParams(known)...).withTag("reports")
	rt.csv = true
	return rt
}

func (a *API) reportRoutes(v1 string) []route {
	base := v1 + "/tenants/{tid}/reports"
	agentParams := append(append([]param{}, reportParams...), param{name: "agent", description: "an agent id: only its figures"})
	queueParams := append(append([]param{}, reportParams...), param{name: "by", typ: "string",
		description: "queue (default): a row per period and queue; tier: a row per period and service tier, every queue's contacts of a tier together (\"\" is the default tier)"})
	st := a.st
	return []route{
		reportRoute(a, base+"/queues", "reportQueues", "Queues' figures by period (offered, answered, abandoned, service level, ASA, AHT...): see the definitions in the README",
			queueParams, func(ctx context.Context, r report.Request) (report.QueueReport, error) {
				return report.Queues(ctx, st, r)
			},
			func(o report.QueueReport) any { return o.Rows }),
		reportRoute(a, base+"/agents", "reportAgents", "Agents' figures by period (login, ready, not ready by reason, occupancy, handled, AHT)",
			agentParams, func(ctx context.Context, r report.Request) (report.AgentReport, error) {
				return report.Agents(ctx, st, r)
			},
			func(o report.AgentReport) any { return o.Rows }),
		reportRoute(a, base+"/ewt", "reportEWT", "Announced against actual waits by period and queue, and by position announced",
			reportParams, func(ctx context.Context, r report.Request) (report.EWTReport, error) { return report.EWT(ctx, st, r) },
			func(o report.EWTReport) any { return o.Rows }),
		reportRoute(a, base+"/satisfaction", "reportSatisfaction", "Survey answers by period and queue (response rate, mean, distribution) and the period's comments",
			reportParams, func(ctx context.Context, r report.Request) (report.SatisfactionReport, error) {
				return report.Satisfaction(ctx, st, r)
			}, func(o report.SatisfactionReport) any { return o.Rows }),
		reportRoute(a, base+"/sites", "reportSites", "Contacts and hours handled by site and country of the agent, homeshoring share",
			reportParams, func(ctx context.Context, r report.Request) (report.SiteReport, error) {
				return report.Sites(ctx, st, r)
			},
			func(o report.SiteReport) any { return o.Rows }),
		reportRoute(a, base+"/fcr", "reportFCR", "First-contact resolution: the share of answered contacts of known customers (e-mail or phone) not followed by another contact of theirs within fcr_days (7)",
			append(append([]param{}, reportParams...), param{name: "fcr_days", description: "the window in days, 1-90 (default 7)"}),
			func(ctx context.Context, r report.Request) (report.FCR, error) {
				return report.FirstContactResolution(ctx, st, r, r.FCRDays)
			}, func(o report.FCR) any { return []report.FCR{o} }),
		a.searchRoute(v1),
		a.abandonedRoute(base),
	}
}

// searchParams are the contacts search's query parameters.
var searchParams = []param{
	{name: "from", description: "arrivals from this day (YYYY-MM-DD, UTC) or instant (RFC 3339)", typ: "string"},
	{name: "to", description: "arrivals until this day, included (YYYY-MM-DD, UTC) or before this instant (RFC 3339)", typ: "string"},
	{name: "queue", description: "a queue id"},
	{name: "agent", description: "an agent id"},
	{name: "channel", description: "voice or chat", typ: "string"},
	{name: "state", description: "queued, offered, connected, wrap_up, callback or ended", typ: "string"},
	{name: "outcome", description: "an ended reason: answered, abandoned, closed, overflow, rejected, failed...", typ: "string"},
	{name: "customer", description: "a phone number, e-mail or external id (exact), or the start of a name", typ: "string"},
	{name: "cursor", description: "the next_cursor of the previous page", typ: "string"},
	{name: "limit", description: "contacts per page, 1-500 (default 50); CSV streams every contact of the search"},
	{name: "format", description: "csv for CSV (also Accept: text/csv)", typ: "string"},
}

// ContactPage is a page of the contacts search, newest first.
type ContactPage struct {
	Contacts []store.ContactSummary `json:"contacts"`
	// NextCursor asks for the next page; "" on the last.
	NextCursor string `json:"next_cursor"`
}

// parseInstant reads a day (its start, or with end the next day's start) or an RFC 3339 instant.
func parseInstant(field, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fieldErr(CodeValidationFailed, field, "must be a date YYYY-MM-DD or an RFC 3339 time (got %q)", s)
	}
	return t, nil
}

func (a *API) searchRoute(v1 string) route {
	rt := mk(http.MethodGet, v1+"/tenants/{tid}/interactions", "searchInteractions",
		"Search the tenant's contacts, newest first, each with its wait, talk, wrap-up and billable seconds; CSV streams them all", accessTenantInteractions,
		func(ctx context.Context, c *call, _ *noBody) (ContactPage, error) {
			if err := checkParams(c.r, searchParams); err != nil {
				return ContactPage{}, err
			}
			q := c.r.URL.Query()
			var f store.InteractionFilter
			var err error
			if f.From, err = parseInstant("from", q.Get("from"), false); err != nil {
				return ContactPage{}, err
			}
			if f.To, err = parseInstant("to", q.Get("to"), true); err != nil {
				return ContactPage{}, err
			}
			if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
				return ContactPage{}, fieldErr(CodeValidationFailed, "from", "must be before to")
			}
			for _, k := range []struct {
				name string
				dst  *int64
			}{{"queue", &f.QueueID}, {"agent", &f.AgentID}} {
				id, err := queryID(c.r, k.name)
				if err != nil {
					return ContactPage{}, err
				}
				if id != nil {
					*k.dst = *id
				}
			}
			f.Channel = model.Channel(q.Get("channel"))
			if f.Channel != "" && f.Channel != model.ChannelVoice && f.Channel != model.ChannelChat {
				return ContactPage{}, fieldErr(CodeValidationFailed, "channel", "must be voice or chat (got %q)", f.Channel)
			}
			f.State = model.InteractionState(q.Get("state"))
			if f.State != "" && !contains(model.InteractionStates(), f.State) {
				return ContactPage{}, fieldErr(CodeValidationFailed, "state", "unknown state %q", f.State)
			}
			f.Outcome = model.EndedReason(q.Get("outcome"))
			if f.Outcome != "" && !contains(model.EndedReasons(), f.Outcome) {
				return ContactPage{}, fieldErr(CodeValidationFailed, "outcome", "unknown outcome %q", f.Outcome)
			}
			f.Customer = q.Get("customer")
			if cur := q.Get("cursor"); cur != "" {
				at, id, ok := strings.Cut(cur, "_")
				t, err1 := time.Parse(time.RFC3339Nano, at)
				n, err2 := strconv.ParseInt(id, 10, 64)
				if !ok || err1 != nil || err2 != nil || n <= 0 {
					return ContactPage{}, fieldErr(CodeBadRequest, "cursor", "is not a cursor this search gave")
				}
				f.BeforeArrival, f.BeforeID = t, n
			}
			limit := 50
			if s := q.Get("limit"); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil || n < 1 || n > 500 {
					return ContactPage{}, fieldErr(CodeValidationFailed, "limit", "must be from 1 to 500 (got %q)", s)
				}
				limit = n
			}
			if err := a.auditRead(ctx, c, "searchInteractions", "interactions"); err != nil {
				return ContactPage{}, err
			}
			if wantsCSV(c.r) {
				return ContactPage{}, a.streamContactsCSV(ctx, c, f)
			}
			page := ContactPage{Contacts: []store.ContactSummary{}}
			err = a.st.SearchInteractions(ctx, c.tid, f, limit+1, func(cs store.ContactSummary) error {
				page.Contacts = append(page.Contacts, cs)
				return nil
			})
			if err != nil {
				return ContactPage{}, err
			}
			if len(page.Contacts) > limit {
				page.Contacts = page.Contacts[:limit]
				last := page.Contacts[limit-1]
				page.NextCursor = last.ArrivedAt.Format(time.RFC3339Nano) + "_" + strconv.FormatInt(last.ID, 10)
			}
			return page, nil
		}).withQuery(searchParams...).withTag("reports")
	rt.csv = true
	return rt
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// contactCSVHeader is the contacts CSV's header.
var contactCSVHeader = []string{"id", "arrived_at", "channel", "queue_id", "entry_point_id", "tier", "state", "outcome",
	"answered_at", "ended_at", "agent_id", "customer_name", "customer_phone", "customer_email", "wait_seconds",
	"talk_seconds", "hold_seconds", "wrap_up_seconds", "billable_seconds", "announced_position", "announced_wait_seconds",
	"actual_wait_seconds", "menu_choice", "queue_path", "disposition", "csat_score", "csat_comment"}

// writeCSV answers rows (a slice of structs) as CSV (report.WriteCSV).
func writeCSV(w http.ResponseWriter, name string, rows any) error {
	w.Header().Set("Content-Type", textCSV+"; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
	return report.WriteCSV(w, rows)
}

// AbandonedContact is one of the day's abandoned contacts, to call back.
type AbandonedContact struct {
	ID          int64          `json:"id"`
	ArrivedAt   time.Time      `json:"arrived_at"`
	EndedAt     *time.Time     `json:"ended_at"`
	WaitSeconds float64        `json:"wait_seconds"`
	QueueID     int64          `json:"queue_id"`
	Channel     model.Channel  `json:"channel"`
	Customer    model.Customer `json:"customer"`
}

var abandonedParams = []param{
	{name: "date", description: "the day, YYYY-MM-DD in the tenant's time zone (default today)", typ: "string"},
	{name: "queue", description: "a queue id"},
	{name: "format", description: "csv for CSV (also Accept: text/csv)", typ: "string"},
}

func (a *API) abandonedRoute(base string) route {
	rt := mk(http.MethodGet, base+"/abandoned", "reportAbandoned",
		"The day's abandoned contacts (short abandons included) with the customer's number or e-mail, newest first, to call them back", accessTenantInteractions,
		func(ctx context.Context, c *call, _ *noBody) ([]AbandonedContact, error) {
			if err := checkParams(c.r, abandonedParams); err != nil {
				return nil, err
			}
			day := c.r.URL.Query().Get("date")
			if day == "" {
				day = time.Now().Format(time.DateOnly)
			}
			req := report.Request{TenantID: c.tid, From: day, To: day, Group: report.GroupDay}
			from, to, err := report.DayBounds(ctx, a.st, req)
			if err != nil {
				return nil, reportErr(err)
			}
			f := store.InteractionFilter{From: from, To: to, Outcome: model.EndAbandoned}
			if id, err := queryID(c.r, "queue"); err != nil {
				return nil, err
			} else if id != nil {
				f.QueueID = *id
			}
			if err := a.auditRead(ctx, c, "reportAbandoned", "interactions"); err != nil {
				return nil, err
			}
			out := []AbandonedContact{}
			err = a.st.SearchInteractions(ctx, c.tid, f, 10_000, func(cs store.ContactSummary) error {
				out = append(out, AbandonedContact{ID: cs.ID, ArrivedAt: cs.ArrivedAt, EndedAt: cs.EndedAt, WaitSeconds: cs.WaitSeconds,
					QueueID: cs.QueueID, Channel: cs.Channel, Customer: cs.Customer})
				return nil
			})
			if err != nil {
				return nil, err
			}
			if wantsCSV(c.r) {
				type row struct {
					ID          int64     `json:"id"`
					ArrivedAt   time.Time `json:"arrived_at"`
					WaitSeconds float64   `json:"wait_seconds"`
					QueueID     int64     `json:"queue_id"`
					Channel     string    `json:"channel"`
					Name        string    `json:"customer_name"`
					Phone       string    `json:"customer_phone"`
					Email       string    `json:"customer_email"`
				}
				rows := make([]row, len(out))
				for i, o := range out {
					rows[i] = row{o.ID, o.ArrivedAt, o.WaitSeconds, o.QueueID, string(o.Channel), o.Customer.Name, o.Customer.Phone, o.Customer.Email}
				}
				if err := writeCSV(c.w, "abandoned", rows); err != nil {
					a.log.WarnContext(ctx, "write CSV", "err", err)
				}
				return nil, errWritten
			}
			return out, nil
		}).withQuery(abandonedParams...).withTag("reports")
	rt.csv = true
	return rt
}

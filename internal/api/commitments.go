package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/commitment"
	"github.com/plateau-cc/plateau/internal/model"
)

// Service commitments: the tenant's published rules (edited by its
// admins), and each month's report against them (read by its admins,
// supervisors and client viewers). See docs/commitments.md.

// CommitmentDrilldown says where to see the contacts behind a figure.
type CommitmentDrilldown struct {
	// Contacts lists those that count against the commitment (or the days
	// a queue was not open as committed).
	Contacts string `json:"contacts"`
	// Interactions is the contacts search of the same month and scope
	// ("" when the scope is several queues, which the search cannot ask).
	Interactions string `json:"interactions"`
}

// CommitmentLine is one commitment in the report.
type CommitmentLine struct {
	commitment.Line
	Drilldown CommitmentDrilldown `json:"drilldown"`
}

// CommitmentCenter is a site of the tenant's center.
type CommitmentCenter struct {
	Name    string         `json:"name"`
	Country string         `json:"country"`
	Kind    model.SiteKind `json:"kind"`
}

// CommitmentsReport is the tenant's commitments over a month, with the
// months before it.
type CommitmentsReport struct {
	TenantID int64  `json:"tenant_id"`
	Tenant   string `json:"tenant"`
	// Centers are the tenant's sites (where its contacts are handled).
	Centers     []CommitmentCenter `json:"centers"`
	Period      string             `json:"period"`
	From        time.Time          `json:"from"`
	To          time.Time          `json:"to"`
	TimeZone    string             `json:"time_zone"`
	Met         int                `json:"met"`
	Measured    int                `json:"measured"`
	Commitments []CommitmentLine   `json:"commitments"`
	GeneratedAt time.Time          `json:"generated_at"`
}

var periodParam = param{name: "period", description: "the month, YYYY-MM (default: the current month, UTC)", typ: "string"}

func (a *API) evaluator() *commitment.Evaluator {
	return &commitment.Evaluator{St: a.st, Recordings: a.recordedContacts}
}

// recordedContacts lists the tenant's contacts that have a recording
// (RecordingsDir/<tenant>/<queue>/<contact>.wav).
func (a *API) recordedContacts(ctx context.Context, tenantID int64) (map[int64]bool, error) {
	return RecordedContacts(a.recordings)(ctx, tenantID)
}

// RecordedContacts lists a tenant's contacts that have a recording under
// dir (dir/<tenant>/<queue>/<contact>.wav; "": none), for a
// commitment.Evaluator made outside the API (billing's).
func RecordedContacts(dir string) commitment.Recordings {
	return func(_ context.Context, tenantID int64) (map[int64]bool, error) {
		out := map[int64]bool{}
		if dir == "" {
			return out, nil
		}
		files, err := filepath.Glob(filepath.Join(dir, strconv.FormatInt(tenantID, 10), "*", "*.wav"))
		if err != nil {
			return nil, fmt.Errorf("list recordings: %w", err)
		}
		for _, f := range files {
			if id, err := strconv.ParseInt(strings.TrimSuffix(filepath.Base(f), ".wav"), 10, 64); err == nil {
				out[id] = true
			}
		}
		return out, nil
	}
}

// commitmentPeriod reads ?period= (the current month by default) and refuses any
// other query parameter.
func (a *API) commitmentPeriod(c *call) (string, error) {
	if err := checkParams(c.r, []param{periodParam}); err != nil {
		return "", err
	}
	p := c.r.URL.Query().Get("period")
	if p == "" {
		p = a.now().UTC().Format("2006-01")
	}
	if _, err := commitment.ParseMonth(p); err != nil {
		return "", reportErr(err)
	}
	return p, nil
}

func (a *API) commitmentRoutes(v1 string) []route {
	base := v1 + "/tenants/{tid}/commitments"
	item := base + "/{id}"
	return []route{
		mk(http.MethodGet, base, "listCommitments", "List the tenant's service commitments", accessTenantInteractions,
			func(ctx context.Context, c *call, _ *noBody) ([]model.Commitment, error) {
				v, err := a.st.ListCommitments(ctx, c.tid)
				return nonNil(v), err
			}),
		mk(http.MethodPost, base, "createCommitment", "Add a service commitment (kind, threshold, scope)", accessTenantAdmin,
			func(ctx context.Context, c *call, in *model.Commitment) (model.Commitment, error) {
				in.ID = 0
				return a.st.CreateCommitment(ctx, c.tid, *in)
			}),
		mk(http.MethodPost, base+"/defaults", "restoreCommitments", "Replace the tenant's commitments by the default set (NF 345 / ISO 18295 model)", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) ([]model.Commitment, error) {
				v, err := a.st.ReplaceCommitments(ctx, c.tid, commitment.Defaults())
				if err == nil {
					a.log.InfoContext(ctx, "audit: commitments restored to the defaults", "by", c.p.describe(), "tenant", c.tid, "request_id", requestID(ctx))
				}
				return nonNil(v), err
			}),
		mk(http.MethodGet, base+"/report", "reportCommitments",
			"Each commitment over the month: its target, the measured value, met or not (no_data when nothing to measure), numerator and denominator, the contacts behind it and the six months before",
			accessTenantInteractions, a.commitmentsReport).withQuery(periodParam),
		mk(http.MethodGet, item, "getCommitment", "Get a service commitment", accessTenantInteractions,
			func(ctx context.Context, c *call, _ *noBody) (model.Commitment, error) {
				return a.st.GetCommitment(ctx, c.tid, c.id)
			}),
		mk(http.MethodPut, item, "updateCommitment", "Replace a service commitment", accessTenantAdmin,
			func(ctx context.Context, c *call, in *model.Commitment) (model.Commitment, error) {
				in.ID = c.id
				if err := a.st.UpdateCommitment(ctx, c.tid, *in); err != nil {
					return model.Commitment{}, err
				}
				return a.st.GetCommitment(ctx, c.tid, c.id)
			}),
		mk(http.MethodDelete, item, "deleteCommitment", "Delete a service commitment", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				return noContent{}, a.st.DeleteCommitment(ctx, c.tid, c.id)
			}),
		mk(http.MethodGet, item+"/contacts", "commitmentShortfall",
			"The contacts that count against a commitment over the month (answered late or never, abandoned, told a wait not kept, called back late or never, rated below the minimum; the days not open, for an opening), at most 500",
			accessTenantInteractions, func(ctx context.Context, c *call, _ *noBody) (commitment.Shortfall, error) {
				p, err := a.commitmentPeriod(c)
				if err != nil {
					return commitment.Shortfall{}, err
				}
				cm, err := a.st.GetCommitment(ctx, c.tid, c.id)
				if err != nil {
					return commitment.Shortfall{}, err
				}
				out, err := a.evaluator().Shortfall(ctx, c.tid, cm, p)
				return out, reportErr(err)
			}).withQuery(periodParam),
	}
}

func (a *API) commitmentsReport(ctx context.Context, c *call, _ *noBody) (CommitmentsReport, error) {
	p, err := a.commitmentPeriod(c)
	if err != nil {
		return CommitmentsReport{}, err
	}
	t, err := a.st.GetTenant(ctx, c.tid)
	if err != nil {
		return CommitmentsReport{}, err
	}
	rep, err := a.evaluator().Report(ctx, c.tid, p)
	if err != nil {
		return CommitmentsReport{}, reportErr(err)
	}
	sites, err := a.st.ListSites(ctx, c.tid)
	if err != nil {
		return CommitmentsReport{}, err
	}
	out := CommitmentsReport{TenantID: t.ID, Tenant: t.Name, Centers: []CommitmentCenter{}, Period: rep.Period, From: rep.From, To: rep.To,
		TimeZone: rep.TimeZone, Met: rep.Met, Measured: rep.Measured, Commitments: []CommitmentLine{}, GeneratedAt: a.now().UTC()}
	for _, s := range sites {
		out.Centers = append(out.Centers, CommitmentCenter{Name: s.Name, Country: s.Country, Kind: s.Kind})
	}
	for _, l := range rep.Lines {
		out.Commitments = append(out.Commitments, CommitmentLine{Line: l, Drilldown: drilldown(c.tid, rep, l.Commitment)})
	}
	return out, nil
}

// drilldown links a line to the contacts behind it.
func drilldown(tid int64, rep commitment.Report, cm model.Commitment) CommitmentDrilldown {
	d := CommitmentDrilldown{Contacts: fmt.Sprintf("/api/v1/tenants/%d/commitments/%d/contacts?period=%s", tid, cm.ID, rep.Period)}
	if cm.Kind == model.CommitOpenHours || len(cm.QueueIDs) > 1 {
		return d
	}
	q := url.Values{}
	q.Set("from", rep.From.UTC().Format(time.RFC3339))
	q.Set("to", rep.To.UTC().Format(time.RFC3339))
	if len(cm.QueueIDs) == 1 {
		q.Set("queue", strconv.FormatInt(cm.QueueIDs[0], 10))
	}
	if cm.Channel != "" {
		q.Set("channel", string(cm.Channel))
	}
	switch cm.Kind {
	case model.CommitAbandonRate:
		q.Set("outcome", string(model.EndAbandoned))
	case model.CommitSatisfaction, model.CommitRecordingAnnounced, model.CommitAnnouncedWait:
		q.Set("outcome", string(model.EndAnswered))
	}
	d.Interactions = fmt.Sprintf("/api/v1/tenants/%d/interactions?%s", tid, q.Encode())
	return d
}

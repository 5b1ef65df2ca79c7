package report

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// SatisfactionRow is one queue's survey answers over one period.
type SatisfactionRow struct {
	Period       string    `json:"period"`
	PeriodStart  time.Time `json:"period_start"`
	PeriodEnd    time.Time `json:"period_end"`
	QueueID      int64     `json:"queue_id"`
	Queue        string    `json:"queue"`
	Answered     int64     `json:"answered"`
	Responses    int64     `json:"csat_responses"`
	ResponseRate *float64  `json:"response_rate"`
	Mean         *float64  `json:"csat_mean"`
	// Distribution[i] counts the scores i+1.
	Distribution [5]int64 `json:"distribution"`
}

// SatisfactionReport is the survey report, with the period's comments.
type SatisfactionReport struct {
	From     string            `json:"from"`
	To       string            `json:"to"`
	Group    Group             `json:"group"`
	Rows     []SatisfactionRow `json:"rows"`
	Total    SatisfactionRow   `json:"total"`
	Comments []store.Comment   `json:"comments"`
}

// CommentStore lists survey comments.
type CommentStore interface {
	SurveyComments(ctx context.Context, tenantID int64, from, to time.Time, queueID int64, limit int) ([]store.Comment, error)
}

// MaxComments is how many comments a satisfaction report lists, newest first.
const MaxComments = 200

func satRow(c kpi.Counts) SatisfactionRow {
	return SatisfactionRow{Answered: c.Answered, Responses: c.CSATResponses, ResponseRate: c.CSATResponseRate(), Mean: c.CSATMean(), Distribution: c.CSAT}
}

// Satisfaction is the satisfaction report.
func Satisfaction(ctx context.Context, st interface {
	ReadStore
	CommentStore
}, r Request) (SatisfactionReport, error) {
	p, err := r.prepare(ctx, st)
	if err != nil {
		return SatisfactionReport{}, err
	}
	out := SatisfactionReport{From: r.From, To: r.To, Group: p.group, Rows: []SatisfactionRow{}}
	sums, total, err := queueSums(ctx, st, p, r)
	if err != nil {
		return SatisfactionReport{}, err
	}
	from, to := p.widest()
	out.Total = satRow(total)
	out.Total.Period = r.From + "/" + r.To
	for k, c := range sums {
		row := satRow(*c)
		row.Period, row.PeriodStart, row.PeriodEnd, row.QueueID = p.label(k.start), k.start, p.periodEnd(k.start), k.id
		if qq, ok := p.queues[k.id]; ok {
			row.Queue = qq.Name
		}
		out.Rows = append(out.Rows, row)
	}
	slices.SortFunc(out.Rows, func(a, b SatisfactionRow) int {
		return cmp.Or(a.PeriodStart.Compare(b.PeriodStart), cmp.Compare(a.Queue, b.Queue))
	})
	if out.Comments, err = st.SurveyComments(ctx, r.TenantID, from, to, r.QueueID, MaxComments); err != nil {
		return SatisfactionReport{}, err
	}
	return out, nil
}

// SiteRow is what the agents of one site handled over one period.
type SiteRow struct {
	Period       string         `json:"period"`
	PeriodStart  time.Time      `json:"period_start"`
	PeriodEnd    time.Time      `json:"period_end"`
	SiteID       int64          `json:"site_id"`
	Site         string         `json:"site"`
	Country      string         `json:"country"`
	Kind         model.SiteKind `json:"kind"`
	Handled      int64          `json:"handled"`
	HandledHours float64        `json:"handled_hours"`
	LoginHours   float64        `json:"login_hours"`
}

// SiteReport is the sites report: contacts handled and hours by site and
// country of the agent who handled them (actual, from the records), with
// the homeshoring share over the whole period.
type SiteReport struct {
	From  string    `json:"from"`
	To    string    `json:"to"`
	Group Group     `json:"group"`
	Rows  []SiteRow `json:"rows"`
	// ByCountry is the whole period by country.
	ByCountry []SiteRow `json:"by_country"`
	// HomeshoringShare is the share of handled contacts (and of handled
	// hours) by agents of homeshoring sites.
	HomeshoringShare      *float64 `json:"homeshoring_share"`
	HomeshoringHoursShare *float64 `json:"homeshoring_hours_share"`
	// Total is every site over the whole period.
	Total SiteRow `json:"total"`
}

// Sites is the sites report. Login hours count each agent at its current
// site (the state history does not keep the site).
func Sites(ctx context.Context, st ReadStore, r Request) (SiteReport, error) {
	p, err := r.prepare(ctx, st)
	if err != nil {
		return SiteReport{}, err
	}
	loc := p.tenant
	from, to := p.bounds(loc)
	f := store.RollupFilter{From: from, To: to}
	if r.QueueID != 0 {
		f.QueueIDs = []int64{r.QueueID}
	}
	sites, err := st.ListSites(ctx, r.TenantID)
	if err != nil {
		return SiteReport{}, err
	}
	agents, err := st.ListAgents(ctx, r.TenantID)
	if err != nil {
		return SiteReport{}, err
	}
	siteOf := map[int64]int64{}
	for _, a := range agents {
		siteOf[a.ID] = a.SiteID
	}
	bySite := map[int64]model.Site{}
	for _, s := range sites {
		bySite[s.ID] = s
	}
	type sums struct {
		handled, handledMS, loginMS int64
	}
	per := map[periodKey]*sums{}
	at := func(b time.Time, site int64) *sums {
		k := periodKey{p.periodStart(b, loc), site, ""}
		if per[k] == nil {
			per[k] = &sums{}
		}
		return per[k]
	}
	contacts, err := st.AgentRollups(ctx, r.TenantID, f)
	if err != nil {
		return SiteReport{}, err
	}
	for _, c := range contacts {
		s := at(c.Bucket, c.SiteID)
		s.handled += c.Handled
		s.handledMS += c.TalkMS + c.HoldMS + c.WrapUpMS
	}
	states, err := st.AgentStateRollups(ctx, r.TenantID, store.RollupFilter{From: from, To: to})
	if err != nil {
		return SiteReport{}, err
	}
	for _, s := range states {
		at(s.Bucket, siteOf[s.AgentID]).loginMS += s.MS
	}
	out := SiteReport{From: r.From, To: r.To, Group: p.group, Rows: []SiteRow{}, ByCountry: []SiteRow{}}
	countries := map[string]*SiteRow{}
	var all, home, allMS, homeMS, loginMS int64
	for k, s := range per {
		loginMS += s.loginMS
		site := bySite[k.id]
		row := SiteRow{Period: p.label(k.start), PeriodStart: k.start, PeriodEnd: p.periodEnd(k.start), SiteID: k.id, Site: site.Name, Country: site.Country, Kind: site.Kind,
			Handled: s.handled, HandledHours: float64(s.handledMS) / 3.6e6, LoginHours: float64(s.loginMS) / 3.6e6}
		out.Rows = append(out.Rows, row)
		c := countries[site.Country]
		if c == nil {
			c = &SiteRow{Period: r.From + "/" + r.To, Country: site.Country}
			countries[site.Country] = c
		}
		c.Handled += row.Handled
		c.HandledHours += row.HandledHours
		c.LoginHours += row.LoginHours
		all += s.handled
		allMS += s.handledMS
		if site.Kind == model.SiteHomeshoring {
			home += s.handled
			homeMS += s.handledMS
		}
	}
	for _, c := range countries {
		out.ByCountry = append(out.ByCountry, *c)
	}
	slices.SortFunc(out.Rows, func(a, b SiteRow) int {
		return cmp.Or(a.PeriodStart.Compare(b.PeriodStart), cmp.Compare(a.Site, b.Site))
	})
	slices.SortFunc(out.ByCountry, func(a, b SiteRow) int { return cmp.Compare(a.Country, b.Country) })
	out.HomeshoringShare, out.HomeshoringHoursShare = kpi.Ratio(home, all), kpi.Ratio(homeMS, allMS)
	out.Total = SiteRow{Period: r.From + "/" + r.To, Handled: all, HandledHours: float64(allMS) / 3.6e6, LoginHours: float64(loginMS) / 3.6e6}
	return out, nil
}

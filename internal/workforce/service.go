package workforce

import (
	"context"
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
)

// Store is what the figures read.
type Store interface {
	report.ReadStore
	ListTenants(ctx context.Context) ([]model.Tenant, error)
	ListEmployees(ctx context.Context, tenantID int64) ([]model.Employee, error)
	PlannedShares(ctx context.Context, tenantID int64, fromPeriod, toPeriod string) ([]model.PlannedShare, error)
}

// Commitments gives the service commitments met over a period, from the
// commitments package; nil leaves the criterion out.
type Commitments interface {
	CommitmentsMet(ctx context.Context, tenantID int64, from, to string) (met, measured int, err error)
}

// FairContracts gives the share of a tenant's client contracts under fair
// terms (minimum billing, prices indexed on costs, no retroactive
// discounts), from the contracts package; nil leaves the criterion out.
type FairContracts interface {
	FairContracts(ctx context.Context, tenantID int64, from, to string) (fair, total int, err error)
}

// Service computes the figures from the store.
type Service struct {
	St            Store
	Commitments   Commitments   // nil: not available
	FairContracts FairContracts // nil: not available
	Config        Config
	// Now cuts the agents' open state stretches (zero: time.Now).
	Now func() time.Time
}

// People returns a tenant's employees with their sites' country (0: every
// tenant's).
func (s *Service) People(ctx context.Context, tenantID int64) ([]Person, error) {
	tenants, err := s.tenants(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var out []Person
	for _, t := range tenants {
		sites, err := s.St.ListSites(ctx, t.ID)
		if err != nil {
			return nil, fmt.Errorf("list sites of tenant %d: %w", t.ID, err)
		}
		byID := map[int64]model.Site{}
		for _, st := range sites {
			byID[st.ID] = st
		}
		emps, err := s.St.ListEmployees(ctx, t.ID)
		if err != nil {
			return nil, fmt.Errorf("list employees of tenant %d: %w", t.ID, err)
		}
		for _, e := range emps {
			st := byID[e.SiteID]
			out = append(out, Person{Employee: e, Site: st.Name, Country: st.Country, SiteKind: st.Kind, Tenant: t.Name})
		}
	}
	return out, nil
}

func (s *Service) tenants(ctx context.Context, tenantID int64) ([]model.Tenant, error) {
	all, err := s.St.ListTenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	if tenantID == 0 {
		return all, nil
	}
	for _, t := range all {
		if t.ID == tenantID {
			return []model.Tenant{t}, nil
		}
	}
	return nil, fmt.Errorf("tenant %d: not found", tenantID)
}

// Indicators computes the label's indicators of a tenant (0: the whole
// provider) over p.
func (s *Service) Indicators(ctx context.Context, tenantID int64, p Period) (Indicators, error) {
	people, err := s.People(ctx, tenantID)
	if err != nil {
		return Indicators{}, err
	}
	out := Compute(people, p)
	tenants, err := s.tenants(ctx, tenantID)
	if err != nil {
		return Indicators{}, err
	}
	months := Months(p)
	var plans []model.PlannedShare
	for _, t := range tenants {
		hours, err := s.paidHours(ctx, t.ID, p)
		if err != nil {
			return Indicators{}, err
		}
		out.PaidHours.TotalHours += hours.TotalHours
		out.PaidHours.FranceHours += hours.FranceHours
		ps, err := s.St.PlannedShares(ctx, t.ID, months[0], months[len(months)-1])
		if err != nil {
			return Indicators{}, err
		}
		plans = append(plans, ps...)
	}
	out.PaidHours.FranceShare = ratio(out.PaidHours.FranceHours, out.PaidHours.TotalHours)
	// Plans of several tenants for one month add up.
	sum := map[string]model.PlannedShare{}
	for _, pl := range plans {
		v := sum[pl.Period]
		v.Period = pl.Period
		v.TotalHours += pl.TotalHours
		v.FranceHours += pl.FranceHours
		sum[pl.Period] = v
	}
	merged := make([]model.PlannedShare, 0, len(sum))
	for _, v := range sum {
		merged = append(merged, v)
	}
	out.PlannedHours = PlannedFrom(merged, p)
	return out, nil
}

// paidHours is the logged-in time of a tenant's agents over p, all and
// from French sites (internal/kpi's login time, from the state history).
func (s *Service) paidHours(ctx context.Context, tenantID int64, p Period) (Hours, error) {
	sites, err := s.St.ListSites(ctx, tenantID)
	if err != nil {
		return Hours{}, err
	}
	country := map[int64]string{}
	for _, st := range sites {
		country[st.ID] = st.Country
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	var out Hours
	// The reports cover at most report.MaxDays: go in chunks.
	for from := p.from; from <= p.to; from += report.MaxDays {
		to := min(p.to, from+report.MaxDays-1)
		r, err := report.Agents(ctx, s.St, report.Request{TenantID: tenantID, From: dayString(from), To: dayString(to),
			Group: report.GroupMonth, Now: now})
		if err != nil {
			return Hours{}, fmt.Errorf("agents' hours of tenant %d: %w", tenantID, err)
		}
		for _, row := range r.Rows {
			h := row.LoginSeconds / 3600
			out.TotalHours += h
			if country[row.SiteID] == France {
				out.FranceHours += h
			}
		}
	}
	return out, nil
}

func dayString(n int64) string { return time.Unix(n*86400, 0).UTC().Format(time.DateOnly) }

// Barometer is the provider's employment barometer over r (every tenant
// and site).
func (s *Service) Barometer(ctx context.Context, r MonthRange) (Barometer, error) {
	people, err := s.People(ctx, 0)
	if err != nil {
		return Barometer{}, err
	}
	return ComputeBarometer(people, r), nil
}

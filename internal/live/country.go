package live

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/plateau-cc/plateau/internal/model"
)

// tenantCountry is the country whose national phone numbers a tenant's
// customers write without "+" (Plateau has no per-tenant country setting):
// the country of the tenant's first phone entry point's number (the number
// its customers call is in their country), else the country most of its
// sites are in (ties: its earliest site's), else "".
func (c *Center) tenantCountry(ctx context.Context, tenantID int64) string {
	eps, err := c.st.ListEntryPoints(ctx, tenantID)
	if err != nil {
		c.log.Warn("list entry points for the tenant's country", "tenant", tenantID, "err", err)
	}
	slices.SortFunc(eps, func(a, b model.EntryPoint) int { return cmp.Compare(a.ID, b.ID) })
	for _, ep := range eps {
		if ep.Kind == model.EntryPhone {
			if country := model.PhoneCountry(ep.Address); country != "" {
				return country
			}
		}
	}
	sites, err := c.st.ListSites(ctx, tenantID)
	if err != nil {
		c.log.Warn("list sites for the tenant's country", "tenant", tenantID, "err", err)
		return ""
	}
	count := map[string]int{}
	first := map[string]int64{}
	for _, s := range sites {
		if s.Country == "" {
			continue
		}
		count[s.Country]++
		if f, ok := first[s.Country]; !ok || s.ID < f {
			first[s.Country] = s.ID
		}
	}
	countries := slices.Collect(maps.Keys(count))
	if len(countries) == 0 {
		return ""
	}
	slices.SortFunc(countries, func(a, b string) int {
		if n := cmp.Compare(count[b], count[a]); n != 0 {
			return n
		}
		return cmp.Compare(first[a], first[b])
	})
	return countries[0]
}

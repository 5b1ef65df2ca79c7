package model

// SiteKind says where a site's agents work.
type SiteKind string

// Site kinds.
const (
	SiteOnsite      SiteKind = "onsite"
	SiteNearshore   SiteKind = "nearshore"
	SiteOffshore    SiteKind = "offshore"
	SiteHomeshoring SiteKind = "homeshoring"
)

// SiteKinds lists the known site kinds.
func SiteKinds() []SiteKind {
	return []SiteKind{SiteOnsite, SiteNearshore, SiteOffshore, SiteHomeshoring}
}

// Site is a place agents work from (or, for homeshoring, a group of agents
// working from home in one country).
type Site struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Name     string `json:"name"`
	// Country is an ISO 3166-1 alpha-2 code in upper case, e.g. "FR", "MA".
	Country string   `json:"country"`
	Kind    SiteKind `json:"kind"`
	// CostPerHour is the cost of one paid agent hour, exact (see Money).
	CostPerHour Money `json:"cost_per_hour"`
}

// Validate checks the fields a client may set.
func (s *Site) Validate() error {
	if err := checkName("name", s.Name); err != nil {
		return err
	}
	if !isCountryCode(s.Country) {
		return invalidKey("country", "country", Params{"got": s.Country}, "must be an ISO 3166-1 alpha-2 code in upper case, e.g. \"FR\" (got %q)", s.Country)
	}
	if err := checkEnum("kind", s.Kind, SiteKinds()); err != nil {
		return err
	}
	if s.CostPerHour < 0 {
		return invalidKey("cost_per_hour", "cost_negative", nil, "must not be negative")
	}
	if s.CostPerHour > MaxMoney {
		return invalidKey("cost_per_hour", "money_range", Params{"max": MaxMoney.Decimal(), "got": s.CostPerHour.Decimal()},
			"must be at most %s (got %s)", MaxMoney.Decimal(), s.CostPerHour.Decimal())
	}
	return nil
}

func isCountryCode(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// Skill is a competence agents have at a level and queues require.
type Skill struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Name     string `json:"name"`
}

// Validate checks the fields a client may set.
func (s *Skill) Validate() error {
	return checkName("name", s.Name)
}

// Skill levels (proficiency) run from MinSkillLevel to MaxSkillLevel.
const (
	MinSkillLevel = 1
	MaxSkillLevel = 10
)

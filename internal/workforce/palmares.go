package workforce

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/plateau-cc/plateau/internal/model"
)

// Criteria of the palmarès, in the order the page shows them.
const (
	CritLocalisation  = "localisation"
	CritPermanent     = "permanent"
	CritTraining      = "training"
	CritTurnover      = "turnover"
	CritCommitments   = "commitments"
	CritFairContracts = "fair_contracts"
)

// CriteriaNames lists the criteria.
func CriteriaNames() []string {
	return []string{CritLocalisation, CritPermanent, CritTraining, CritTurnover, CritCommitments, CritFairContracts}
}

// Weights are the palmarès weights (any non-negative numbers: the score
// divides by the sum of the weights of the criteria available).
type Weights struct {
	Localisation  float64 `toml:"localisation" json:"localisation"`
	Permanent     float64 `toml:"permanent" json:"permanent"`
	Training      float64 `toml:"training" json:"training"`
	Turnover      float64 `toml:"turnover" json:"turnover"`
	Commitments   float64 `toml:"commitments" json:"commitments"`
	FairContracts float64 `toml:"fair_contracts" json:"fair_contracts"`
}

func (w Weights) of(name string) float64 {
	switch name {
	case CritLocalisation:
		return w.Localisation
	case CritPermanent:
		return w.Permanent
	case CritTraining:
		return w.Training
	case CritTurnover:
		return w.Turnover
	case CritCommitments:
		return w.Commitments
	}
	return w.FairContracts
}

func (w *Weights) set(name string, v float64) bool {
	switch name {
	case CritLocalisation:
		w.Localisation = v
	case CritPermanent:
		w.Permanent = v
	case CritTraining:
		w.Training = v
	case CritTurnover:
		w.Turnover = v
	case CritCommitments:
		w.Commitments = v
	case CritFairContracts:
		w.FairContracts = v
	default:
		return false
	}
	return true
}

// Config is the palmarès formula: weights and the two references that
// turn training and turnover into scores.
type Config struct {
	Weights Weights `toml:"weights" json:"weights"`
	// TrainingTarget is the training hours per FTE a year that score 1.
	TrainingTarget float64 `toml:"training_target_hours" json:"training_target_hours"`
	// TurnoverCap is the annual turnover that scores 0 (0 scores 1).
	TurnoverCap float64 `toml:"turnover_cap" json:"turnover_cap"`
}

// Defaults of the palmarès.
var (
	DefaultWeights = Weights{Localisation: 25, Permanent: 20, Training: 15, Turnover: 15, Commitments: 15, FairContracts: 10}
)

// Default references.
const (
	DefaultTrainingTarget = 35.0
	DefaultTurnoverCap    = 0.5
)

// DefaultConfig is the documented default formula.
func DefaultConfig() Config {
	return Config{Weights: DefaultWeights, TrainingTarget: DefaultTrainingTarget, TurnoverCap: DefaultTurnoverCap}
}

// WithDefaults fills a zero config with the defaults.
func (c Config) WithDefaults() Config {
	if c.Weights == (Weights{}) {
		c.Weights = DefaultWeights
	}
	if c.TrainingTarget == 0 {
		c.TrainingTarget = DefaultTrainingTarget
	}
	if c.TurnoverCap == 0 {
		c.TurnoverCap = DefaultTurnoverCap
	}
	return c
}

// Validate checks the formula.
func (c Config) Validate() error {
	for _, n := range CriteriaNames() {
		if w := c.Weights.of(n); w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("palmares weight %s must be a number >= 0 (got %v)", n, w)
		}
	}
	if !(c.TrainingTarget > 0) || math.IsInf(c.TrainingTarget, 0) {
		return fmt.Errorf("palmares training_target_hours must be > 0 (got %v)", c.TrainingTarget)
	}
	if !(c.TurnoverCap > 0) || math.IsInf(c.TurnoverCap, 0) {
		return fmt.Errorf("palmares turnover_cap must be > 0 (got %v)", c.TurnoverCap)
	}
	return nil
}

// ParseWeights reads "localisation=25,permanent=20,..." over base (the
// PLATEAU_PALMARES_WEIGHTS variable).
func ParseWeights(s string, base Weights) (Weights, error) {
	w := base
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || f < 0 {
			return base, fmt.Errorf("palmares weights: %q: want name=number >= 0", part)
		}
		if !w.set(strings.TrimSpace(k), f) {
			return base, fmt.Errorf("palmares weights: unknown criterion %q (want %s)", k, strings.Join(CriteriaNames(), ", "))
		}
	}
	return w, nil
}

// Criterion is one criterion of an entity: its raw value, its score 0-1
// and whether it is available (else Reason says why).
type Criterion struct {
	Name      string   `json:"name"`
	Weight    float64  `json:"weight"`
	Value     *float64 `json:"value"`
	Score     *float64 `json:"score"`
	Available bool     `json:"available"`
	Reason    string   `json:"reason,omitempty"`
}

// Entry is a ranked site or programme.
type Entry struct {
	Kind     string      `json:"kind"` // site or programme
	TenantID int64       `json:"tenant_id"`
	Tenant   string      `json:"tenant"`
	SiteID   int64       `json:"site_id,omitempty"`
	Site     string      `json:"site,omitempty"`
	Country  string      `json:"country,omitempty"`
	Jobs     Jobs        `json:"jobs"`
	Criteria []Criterion `json:"criteria"`
	// Score is 0-100 to 0.1, nil when no criterion is available (not
	// ranked). Rank is shared by equal scores (Tied), 0 when not ranked.
	Score *float64 `json:"score"`
	Rank  int      `json:"rank"`
	Tied  bool     `json:"tied"`
}

// Palmares is the ranking of sites and programmes over a period.
type Palmares struct {
	From       string  `json:"from"`
	To         string  `json:"to"`
	Config     Config  `json:"config"`
	Formula    string  `json:"formula"`
	Sites      []Entry `json:"sites"`
	Programmes []Entry `json:"programmes"`
	// NotAvailable lists the criteria left out for everyone, with why.
	NotAvailable map[string]string `json:"not_available"`
}

// Formula is the score's formula in words.
const Formula = "score = 100 × Σ (weight × criterion score) / Σ weight, over the criteria available for the entity; " +
	"localisation = FTE in France / FTE; permanent = permanent contracts / headcount; " +
	"training = min(1, training hours per FTE × 365 / days / target); turnover = max(0, 1 − turnover × 365 / days / cap); " +
	"commitments = commitments met / measured; fair_contracts = contracts under fair terms / contracts"

// Inputs of one entity's criteria besides the register.
type extra struct {
	commitments, fair       *float64
	commitmentsWhy, fairWhy string
}

func criteria(ind Indicators, franceFTE model.Milli, x extra, c Config) []Criterion {
	yearly := 365 / float64(ind.Days)
	var out []Criterion
	add := func(name string, value, score *float64, why string) {
		cr := Criterion{Name: name, Weight: c.Weights.of(name), Value: value, Score: score, Available: score != nil}
		if score == nil {
			cr.Reason = why
		}
		out = append(out, cr)
	}
	loc := ratio(float64(franceFTE), float64(ind.Jobs.FTE))
	add(CritLocalisation, loc, loc, "no FTE on the last day")
	add(CritPermanent, ind.PermanentShare, ind.PermanentShare, "no employee on the last day")
	var tScore *float64
	if ind.TrainingPerFTE != nil {
		v := min(1, *ind.TrainingPerFTE*yearly/c.TrainingTarget)
		tScore = &v
	}
	add(CritTraining, ind.TrainingPerFTE, tScore, "no FTE over the period")
	var toScore *float64
	if ind.Turnover != nil {
		v := max(0, 1-*ind.Turnover*yearly/c.TurnoverCap)
		toScore = &v
	}
	add(CritTurnover, ind.Turnover, toScore, "no employee over the period")
	add(CritCommitments, x.commitments, x.commitments, x.commitmentsWhy)
	add(CritFairContracts, x.fair, x.fair, x.fairWhy)
	return out
}

func score(cs []Criterion) *float64 {
	var num, den float64
	for _, c := range cs {
		if c.Available && c.Weight > 0 {
			num += c.Weight * *c.Score
			den += c.Weight
		}
	}
	if den == 0 {
		return nil
	}
	v := math.Round(1000*num/den) / 10
	return &v
}

// rank orders entries by score (unranked last), equal scores sharing a
// rank, then by name.
func rank(list []Entry) {
	slices.SortFunc(list, func(a, b Entry) int {
		switch {
		case a.Score == nil && b.Score != nil:
			return 1
		case a.Score != nil && b.Score == nil:
			return -1
		case a.Score != nil && *a.Score != *b.Score:
			return cmp.Compare(*b.Score, *a.Score)
		}
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.Site, b.Site), cmp.Compare(a.SiteID, b.SiteID))
	})
	for i := range list {
		if list[i].Score == nil {
			continue
		}
		list[i].Rank = i + 1
		if i > 0 && list[i-1].Score != nil && *list[i-1].Score == *list[i].Score {
			list[i].Rank = list[i-1].Rank
			list[i].Tied, list[i-1].Tied = true, true
		}
	}
}

// ComputePalmares ranks the sites and programmes of people over p; x
// gives each tenant's commitments and contracts criteria.
func ComputePalmares(people []Person, tenants []model.Tenant, sites map[int64][]model.Site, p Period, x map[int64]extra, c Config) Palmares {
	out := Palmares{From: p.From, To: p.To, Config: c, Formula: Formula, Sites: []Entry{}, Programmes: []Entry{}, NotAvailable: map[string]string{}}
	byTenant := map[int64][]Person{}
	bySite := map[int64][]Person{}
	for _, e := range people {
		byTenant[e.TenantID] = append(byTenant[e.TenantID], e)
		bySite[e.SiteID] = append(bySite[e.SiteID], e)
	}
	franceFTE := func(ps []Person, day string) model.Milli {
		var v model.Milli
		for _, e := range ps {
			if e.Country == France && e.EmployedAt(day) {
				v += e.FTE
			}
		}
		return v
	}
	for _, t := range tenants {
		ps := byTenant[t.ID]
		ind := Compute(ps, p)
		e := Entry{Kind: "programme", TenantID: t.ID, Tenant: t.Name, Jobs: ind.Jobs, Criteria: criteria(ind, franceFTE(ps, p.To), x[t.ID], c)}
		e.Score = score(e.Criteria)
		out.Programmes = append(out.Programmes, e)
		for _, s := range sites[t.ID] {
			sp := bySite[s.ID]
			sind := Compute(sp, p)
			se := Entry{Kind: "site", TenantID: t.ID, Tenant: t.Name, SiteID: s.ID, Site: s.Name, Country: s.Country, Jobs: sind.Jobs,
				Criteria: criteria(sind, franceFTE(sp, p.To), x[t.ID], c)}
			se.Score = score(se.Criteria)
			out.Sites = append(out.Sites, se)
		}
	}
	rank(out.Sites)
	rank(out.Programmes)
	return out
}

// Palmares ranks every tenant's sites and the programmes over p.
func (s *Service) Palmares(ctx context.Context, p Period) (Palmares, error) {
	c := s.Config.WithDefaults()
	tenants, err := s.tenants(ctx, 0)
	if err != nil {
		return Palmares{}, err
	}
	people, err := s.People(ctx, 0)
	if err != nil {
		return Palmares{}, err
	}
	sites := map[int64][]model.Site{}
	x := map[int64]extra{}
	const notWired = "not available: not measured by this Plateau yet"
	for _, t := range tenants {
		if sites[t.ID], err = s.St.ListSites(ctx, t.ID); err != nil {
			return Palmares{}, err
		}
		var ex extra
		if s.Commitments == nil {
			ex.commitmentsWhy = notWired
		} else {
			met, measured, err := s.Commitments.CommitmentsMet(ctx, t.ID, p.From, p.To)
			if err != nil {
				return Palmares{}, fmt.Errorf("commitments of tenant %d: %w", t.ID, err)
			}
			ex.commitments, ex.commitmentsWhy = share(met, measured), "no commitment measured"
		}
		if s.FairContracts == nil {
			ex.fairWhy = notWired
		} else {
			fair, total, err := s.FairContracts.FairContracts(ctx, t.ID, p.From, p.To)
			if err != nil {
				return Palmares{}, fmt.Errorf("contracts of tenant %d: %w", t.ID, err)
			}
			ex.fair, ex.fairWhy = share(fair, total), "no contract"
		}
		x[t.ID] = ex
	}
	out := ComputePalmares(people, tenants, sites, p, x, c)
	if s.Commitments == nil {
		out.NotAvailable[CritCommitments] = "the service commitments are not wired into this Plateau: the criterion is left out"
	}
	if s.FairContracts == nil {
		out.NotAvailable[CritFairContracts] = "client contracts are not yet kept by Plateau: the criterion is left out"
	}
	return out, nil
}

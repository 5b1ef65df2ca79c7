package workforce

import (
	"math"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestPalmaresByHand(t *testing.T) {
	p, _ := ParsePeriod("2026-01-01", "2026-01-10")
	tenants := []model.Tenant{{ID: 1, Name: "Acme"}, {ID: 2, Name: "Empty"}}
	sites := map[int64][]model.Site{1: {{ID: 10, Name: "Paris", Country: "FR"}, {ID: 11, Name: "Rabat", Country: "MA"}, {ID: 12, Name: "Home FR", Country: "FR"}}}
	met := 0.75
	x := map[int64]extra{1: {commitments: &met, fairWhy: "not wired"}, 2: {commitmentsWhy: "none", fairWhy: "not wired"}}
	c := DefaultConfig()
	got := ComputePalmares(handExample(), tenants, sites, p, x, c)
	if len(got.Programmes) != 2 || len(got.Sites) != 3 {
		t.Fatalf("palmares %+v", got)
	}
	acme := got.Programmes[0]
	// Acme: localisation 1.6 / 2.6 FTE; permanent 3/3; training 12 h /
	// 2.48 FTE over 10 days, × 36.5 = 176.6 h a year, over 35: capped at
	// 1; turnover 2 / 2.9 × 36.5 = 25.2 a year: 0; commitments 0.75;
	// fair contracts not available. Weights 25, 20, 15, 15, 15.
	want := 100 * (25*(1.6/2.6) + 20*1 + 15*1 + 15*0 + 15*0.75) / 90
	if acme.Score == nil || *acme.Score != math.Round(want*10)/10 || acme.Rank != 1 {
		t.Errorf("Acme score %v rank %d, want %.1f rank 1", deref(acme.Score), acme.Rank, want)
	}
	if acme.Criteria[5].Available || acme.Criteria[5].Reason != "not wired" {
		t.Errorf("fair contracts %+v", acme.Criteria[5])
	}
	// Empty has no one and no commitment measured: not ranked, last.
	if e := got.Programmes[1]; e.Tenant != "Empty" || e.Score != nil || e.Rank != 0 {
		t.Errorf("empty programme %+v", e)
	}
	// Sites: Home FR has G alone (permanent, France, 1.5 h training over
	// 0.1 average FTE, no exit... D left: 1 exit over 1.0 average
	// headcount); Paris A (B left); Rabat C.
	byName := map[string]Entry{}
	for _, s := range got.Sites {
		byName[s.Site] = s
	}
	rabat := byName["Rabat"]
	// Rabat: localisation 0, permanent 1, training 3.5 h / 0.5 FTE ×
	// 36.5 = 255.5: 1, turnover 0 exits: 1, commitments 0.75.
	if rabat.Score == nil || *rabat.Score != math.Round(1000*(25*0+20+15+15+15*0.75)/90)/10 {
		t.Errorf("Rabat %+v", rabat)
	}
	// Ties share a rank.
	list := []Entry{{Tenant: "b", Score: ptr(50)}, {Tenant: "a", Score: ptr(50)}, {Tenant: "c", Score: ptr(70)}, {Tenant: "d"}, {Tenant: "e", Score: ptr(10)}}
	rank(list)
	ranks := []int{}
	for _, e := range list {
		ranks = append(ranks, e.Rank)
	}
	if list[0].Tenant != "c" || list[1].Tenant != "a" || !list[1].Tied || !list[2].Tied || list[0].Tied ||
		ranks[0] != 1 || ranks[1] != 2 || ranks[2] != 2 || ranks[3] != 4 || ranks[4] != 0 || list[4].Tenant != "d" {
		t.Errorf("ranks %v of %+v", ranks, list)
	}
}

func ptr(v float64) *float64 { return &v }

func TestWeightsConfig(t *testing.T) {
	w, err := ParseWeights("localisation=50, turnover=0", DefaultWeights)
	if err != nil || w.Localisation != 50 || w.Turnover != 0 || w.Permanent != DefaultWeights.Permanent {
		t.Errorf("parsed %+v, %v", w, err)
	}
	for _, bad := range []string{"speed=3", "permanent=-1", "training"} {
		if _, err := ParseWeights(bad, DefaultWeights); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	c := DefaultConfig()
	c.TurnoverCap = -1
	if c.Validate() == nil {
		t.Error("negative turnover cap accepted")
	}
	if DefaultConfig().Validate() != nil || (Config{}).WithDefaults() != DefaultConfig() {
		t.Error("defaults")
	}
}

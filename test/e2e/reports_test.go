package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestDemoHasAPast: plateau demo plays days of past on first run, through
// the live center, and the reports show them at once: contacts offered and
// answered every day, a service level, agents' logged-in time and
// occupancy, the homeshoring share, survey answers.
func TestDemoHasAPast(t *testing.T) {
	t.Parallel()
	s := startDemo(t, "--data", t.TempDir(), "--history", "3")
	m := s.waitLine(t, regexp.MustCompile(`Played 3 days of past in (\S+): (\d+) chats, (\d+) answered`))
	if n, _ := strconv.Atoi(m[2]); n < 100 {
		t.Fatalf("only %d chats played", n)
	}
	t.Logf("played %s chats in %s", m[2], m[1])
	var tenants []struct {
		ID   int64  `json:"id"`
		Slug string `json:"slug"`
	}
	s.api(t, "/api/v1/tenants", &tenants)
	var tid int64
	for _, x := range tenants {
		if x.Slug == "demo" {
			tid = x.ID
		}
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(paris)
	from, to := today.AddDate(0, 0, -3).Format(time.DateOnly), today.Format(time.DateOnly)
	q := fmt.Sprintf("?from=%s&to=%s", from, to)

	var queues struct {
		Rows []struct {
			Period       string   `json:"period"`
			Queue        string   `json:"queue"`
			Offered      int      `json:"offered"`
			Answered     int      `json:"answered"`
			ServiceLevel *float64 `json:"service_level"`
		} `json:"rows"`
		Total struct {
			Offered       int      `json:"offered"`
			Answered      int      `json:"answered"`
			Abandoned     int      `json:"abandoned"`
			ServiceLevel  *float64 `json:"service_level"`
			AHTSeconds    *float64 `json:"aht_seconds"`
			CSATResponses int      `json:"csat_responses"`
		} `json:"total"`
	}
	s.api(t, fmt.Sprintf("/api/v1/tenants/%d/reports/queues%s", tid, q), &queues)
	tot := queues.Total
	if tot.Offered < 100 || tot.Answered == 0 || tot.Abandoned == 0 || tot.ServiceLevel == nil || tot.AHTSeconds == nil || tot.CSATResponses == 0 {
		t.Fatalf("queues report %+v", tot)
	}
	days := map[string]bool{}
	for _, r := range queues.Rows {
		if r.Offered > 0 {
			days[r.Period] = true
		}
	}
	if len(days) < 3 {
		t.Errorf("contacts on %d days, want at least the 3 played: %+v", len(days), queues.Rows)
	}
	var agents struct {
		Rows []struct {
			Agent        string   `json:"agent"`
			LoginSeconds float64  `json:"login_seconds"`
			Occupancy    *float64 `json:"occupancy"`
			Handled      int      `json:"handled"`
		} `json:"rows"`
	}
	s.api(t, fmt.Sprintf("/api/v1/tenants/%d/reports/agents%s", tid, q), &agents)
	worked := 0
	for _, r := range agents.Rows {
		if r.LoginSeconds > 3600 && r.Occupancy != nil && r.Handled > 0 {
			worked++
		}
	}
	if worked < 3 {
		t.Errorf("%d agents with logged-in time, occupancy and contacts: %+v", worked, agents.Rows)
	}
	var sites struct {
		HomeshoringShare *float64 `json:"homeshoring_share"`
	}
	s.api(t, fmt.Sprintf("/api/v1/tenants/%d/reports/sites%s", tid, q), &sites)
	if sites.HomeshoringShare == nil || *sites.HomeshoringShare <= 0 || *sites.HomeshoringShare >= 1 {
		t.Errorf("homeshoring share %v", sites.HomeshoringShare)
	}
}

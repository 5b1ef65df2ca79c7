package cli

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// history writes weeks of a half-hourly weekly + intraday pattern.
func history(t *testing.T, weeks int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("start,calls\n")
	start := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	for i := range weeks * 7 * 48 {
		h := float64(i%48) / 2
		mean := 3 + 50*math.Exp(-(h-13)*(h-13)/10)
		if (i/48)%7 >= 5 {
			mean *= 0.4
		}
		fmt.Fprintf(&b, "%s,%g\n", start.Add(time.Duration(i)*30*time.Minute).Format(time.RFC3339), math.Round(mean))
	}
	return writeTemp(t, "hist.csv", b.String())
}

// TestForecastStaffSchedule: forecast → staff → schedule with no glue.
func TestForecastStaffSchedule(t *testing.T) {
	code, fc, errs := runCLI(t, "forecast", "--csv", history(t, 5), "--backtest-days", "0", "--horizon-days", "1", "--aht", "4m", "--format", "csv")
	if code != 0 {
		t.Fatalf("forecast: exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(fc, "start,calls,aht_seconds\n2026-03-09T00:00:00Z,") || strings.Count(fc, "\n") != 49 || strings.Contains(errs, "warning") {
		t.Fatalf("forecast CSV (stderr %q):\n%s", errs, fc)
	}
	code, needs, errs := runCLI(t, "staff", "--csv", writeTemp(t, "forecast.csv", fc), "--sl", "80/20", "--format", "csv")
	if code != 0 {
		t.Fatalf("staff: exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(needs, "start,agents\n2026-03-09T00:00:00Z,") || strings.Count(needs, "\n") != 49 {
		t.Fatalf("staff CSV:\n%s", needs)
	}
	cfg := writeTemp(t, "sites.json", `{"shifts":[{"name":"4h","length":"4h"}],"sites":[{"name":"Home FR","country":"France","cost_per_hour":27,"homeshoring":true}]}`)
	code, plan, errs := runCLI(t, "schedule", "--requirements", writeTemp(t, "needs.csv", needs), "--config", cfg)
	if code != 0 || !strings.Contains(plan, "uncovered intervals: 0") {
		t.Fatalf("schedule: exit %d %s\n%s", code, errs, plan)
	}
	// The forecast's own CSV is not a requirement: refused by its header.
	code, _, errs = runCLI(t, "schedule", "--requirements", writeTemp(t, "f.csv", fc), "--config", cfg)
	if code != 1 || !strings.Contains(errs, `header "start,calls,aht_seconds": want "start,agents"`) {
		t.Errorf("a forecast as requirements: exit %d, %q", code, errs)
	}
	code, _, errs = runCLI(t, "schedule", "--requirements", writeTemp(t, "h.csv", "begin,staff\n2026-03-09T00:00:00Z,1\n2026-03-09T00:30:00Z,1\n"), "--config", cfg)
	if code != 1 || !strings.Contains(errs, "header") {
		t.Errorf("a wrong header: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "forecast", "--csv", history(t, 5), "--format", "csv"); code != 1 || !strings.Contains(errs, "--aht") {
		t.Errorf("--format csv without --aht: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "staff", "--calls", "10", "--aht", "3m", "--format", "csv"); code != 1 || !strings.Contains(errs, "--csv") {
		t.Errorf("staff --format csv without --csv: exit %d, %q", code, errs)
	}
}

// TestForecastWarnsOnShortHistory: under four weeks, the forecast says it
// is unreliable.
func TestForecastWarnsOnShortHistory(t *testing.T) {
	code, _, errs := runCLI(t, "forecast", "--csv", history(t, 3), "--backtest-days", "0", "--horizon-days", "1")
	if code != 0 || !strings.Contains(errs, "warning: only 21 days of history") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestScheduleFailsWhenFranceShareNotMet: the plan is printed, and the
// command exits non-zero.
func TestScheduleFailsWhenFranceShareNotMet(t *testing.T) {
	req := writeTemp(t, "r.csv", "start,agents\n2026-03-02T08:00:00Z,3\n2026-03-02T09:00:00Z,3\n2026-03-02T10:00:00Z,3\n2026-03-02T11:00:00Z,3\n")
	cfg := writeTemp(t, "c.json", `{"min_france_share":0.6,"shifts":[{"name":"4h","length":"4h"}],"sites":[{"name":"Rabat","country":"Morocco","cost_per_hour":12}]}`)
	code, out, errs := runCLI(t, "schedule", "--requirements", req, "--config", cfg)
	if code != 1 || !strings.Contains(out, "NOT met") || !strings.Contains(errs, "France share of paid hours is 0.0%, under the minimum 60%") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	if code, _, _ := runCLI(t, "schedule", "--requirements", req, "--config", cfg, "--json"); code != 1 {
		t.Errorf("--json: exit %d", code)
	}
}

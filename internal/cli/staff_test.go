package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs the plateau command line in-process.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStaffJSON(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		agents    int
		scheduled int
		abandon   bool
	}{
		// 100 calls / 30 min at 180 s = 10 Erlangs; 80/20 needs 14 (13 gives 79.6%).
		{"erlang C", []string{"--calls", "100", "--interval", "30m", "--aht", "180s", "--sl", "80/20"}, 14, 14, false},
		{"shrinkage", []string{"--calls", "100", "--interval", "30m", "--aht", "180s", "--sl", "80/20", "--shrinkage", "0.3"}, 14, 20, false},
		{"occupancy binds", []string{"--calls", "100", "--aht", "180s", "--sl", "80/20", "--max-occupancy", "0.6"}, 17, 17, false},
		{"erlang A", []string{"--calls", "100", "--aht", "180s", "--sl", "80/20", "--patience", "300s", "--max-abandon", "0.02", "--max-asa", "30s"}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, append([]string{"staff", "--json"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var res map[string]any
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			for _, k := range []string{"agents", "scheduled_agents", "service_level", "p_wait", "asa_seconds", "occupancy", "offered_load"} {
				if _, ok := res[k]; !ok {
					t.Errorf("missing %q in %s", k, out)
				}
			}
			_, hasAb := res["abandon_rate"]
			if hasAb != tt.abandon {
				t.Errorf("abandon_rate present = %v, want %v", hasAb, tt.abandon)
			}
			if res["service_level"].(float64) < 0.8 {
				t.Errorf("service level %v below target", res["service_level"])
			}
			if tt.abandon {
				if res["abandon_rate"].(float64) > 0.02 || res["asa_seconds"].(float64) > 30 || res["model"] != "erlang-a" {
					t.Errorf("Erlang A targets not met: %s", out)
				}
				return
			}
			if int(res["agents"].(float64)) != tt.agents || int(res["scheduled_agents"].(float64)) != tt.scheduled {
				t.Errorf("agents %v scheduled %v, want %d and %d", res["agents"], res["scheduled_agents"], tt.agents, tt.scheduled)
			}
		})
	}
}

func TestStaffTableAndErrors(t *testing.T) {
	code, out, errs := runCLI(t, "staff", "--calls", "100", "--aht", "180s", "--sl", "80/20", "--patience", "5m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"agents", "scheduled", "abandon", "Erlang A"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--bogus"}, 2, "bogus"},
		{"no calls", []string{"--aht", "180s"}, 1, "--calls"},
		{"no aht", []string{"--calls", "10"}, 1, "--aht"},
		{"bad sl", []string{"--calls", "10", "--aht", "3m", "--sl", "80"}, 1, "X/Y"},
		{"bad sl pct", []string{"--calls", "10", "--aht", "3m", "--sl", "180/20"}, 1, "percentage"},
		{"abandon without patience", []string{"--calls", "10", "--aht", "3m", "--max-abandon", "0.05"}, 1, "patience"},
		{"bad shrinkage", []string{"--calls", "10", "--aht", "3m", "--shrinkage", "1"}, 1, "shrinkage"},
		{"missing csv", []string{"--csv", "/nonexistent/x.csv"}, 1, "open CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCLI(t, append([]string{"staff"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errs, tt.code, tt.want)
			}
		})
	}
}

func TestStaffCSV(t *testing.T) {
	good := writeTemp(t, "ok.csv", "start,calls,aht_seconds\n2026-03-02T08:00:00+01:00,100,180\n2026-03-02T08:30:00+01:00,250,240\n2026-03-02T09:00:00+01:00,0,200\n")
	code, out, errs := runCLI(t, "staff", "--csv", good, "--sl", "80/20", "--json", "--shrinkage", "0.25")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	var agents []int
	for sc.Scan() {
		var r struct {
			Start     string  `json:"start"`
			Agents    int     `json:"agents"`
			Scheduled int     `json:"scheduled_agents"`
			SL        float64 `json:"service_level"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if r.Start == "" || r.SL < 0.8 || r.Scheduled != int(math.Ceil(float64(r.Agents)/0.75)) {
			t.Errorf("bad line %+v", r)
		}
		agents = append(agents, r.Agents)
	}
	// 250 calls x 240 s / 30 min = 33.3 Erlangs: 38 agents give 77.4%, 39 give 84.2%
	// (exact rational Erlang C, see internal/wfm/testdata/reference.py).
	if fmt.Sprint(agents) != "[14 39 0]" {
		t.Errorf("agents %v, want [14 39 0]", agents)
	}
	code, out, _ = runCLI(t, "staff", "--csv", good)
	if code != 0 || !strings.Contains(out, "2026-03-02T08:30:00+01:00") {
		t.Errorf("table output: exit %d\n%s", code, out)
	}
	for name, content := range map[string]string{
		"line 3": "start,calls,aht_seconds\n2026-03-02T08:00:00Z,100,180\n2026-03-02T08:30:00Z,abc,180\n",
		"line 2": "2026-03-02T08:00:00Z,100,180\n2026-03-02T08:30:00Z,100\n",
	} {
		bad := writeTemp(t, "bad.csv", content)
		code, _, errs := runCLI(t, "staff", "--csv", bad)
		if code != 1 || !strings.Contains(errs, name) {
			t.Errorf("malformed CSV: exit %d, stderr %q, want it to name %s", code, errs, name)
		}
	}
}

func TestScheduleCommand(t *testing.T) {
	req := filepath.Join("testdata", "schedule-requirements.csv")
	cfg := filepath.Join("testdata", "schedule-config.json")
	code, out, errs := runCLI(t, "schedule", "--requirements", req, "--config", cfg, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var plan struct {
		Assignments []struct {
			Site   string `json:"site"`
			Agents int    `json:"agents"`
		} `json:"assignments"`
		Coverage []struct {
			Required  int `json:"required"`
			Scheduled int `json:"scheduled"`
		} `json:"coverage"`
		Uncovered      []any   `json:"uncovered"`
		TotalCost      float64 `json:"total_cost"`
		FranceShare    float64 `json:"france_share"`
		FranceShareMet bool    `json:"france_share_met"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("bad JSON: %v", err)
	}
	if len(plan.Coverage) != 7*48 || len(plan.Uncovered) != 0 || !plan.FranceShareMet || plan.FranceShare < 0.6 || plan.TotalCost <= 0 {
		t.Fatalf("plan: %d intervals, %d uncovered, share %v, cost %v", len(plan.Coverage), len(plan.Uncovered), plan.FranceShare, plan.TotalCost)
	}
	for i, c := range plan.Coverage {
		if c.Scheduled < c.Required {
			t.Errorf("interval %d: %d < %d", i, c.Scheduled, c.Required)
		}
	}
	code, out, _ = runCLI(t, "schedule", "--requirements", req, "--config", cfg)
	if code != 0 || !strings.Contains(out, "France share") || !strings.Contains(out, "Home FR") {
		t.Errorf("text output: exit %d\n%s", code, out)
	}

	// A site open 08:00-20:00 only: the evening is reported uncovered.
	dayOnly := writeTemp(t, "day.json", `{"shifts":[{"name":"4h","length":"4h"}],"sites":[{"name":"Lille","country":"France","cost_per_hour":20,"open":"08:00","close":"20:00"}]}`)
	var rb strings.Builder
	rb.WriteString("start,agents\n")
	for h := 14; h <= 21; h++ {
		fmt.Fprintf(&rb, "2026-03-02T%02d:00:00Z,%d\n", h, 1+h/21)
	}
	reqs := writeTemp(t, "req.csv", rb.String())
	code, out, errs = runCLI(t, "schedule", "--requirements", reqs, "--config", dayOnly)
	if code != 0 || !strings.Contains(out, "uncovered intervals: 2") || !strings.Contains(out, "21:00: 0/2") {
		t.Errorf("infeasible: exit %d %s\n%s", code, errs, out)
	}

	tests := []struct {
		name, reqs, cfg, want string
	}{
		{"gap", "start,agents\n2026-03-02T18:00:00Z,1\n2026-03-02T19:00:00Z,1\n2026-03-02T21:00:00Z,1\n", "", "line 4"},
		{"bad agents", "2026-03-02T18:00:00Z,1\n2026-03-02T19:00:00Z,x\n", "", "line 2"},
		{"unknown field", "", `{"shift":[]}`, "unknown field"},
		{"bad clock", "", `{"shifts":[{"name":"a","length":"4h","starts":["25:00"]}],"sites":[{"name":"s","cost_per_hour":1}]}`, "HH:MM"},
		{"bad day", "", `{"shifts":[{"name":"a","length":"4h","days":["someday"]}],"sites":[{"name":"s","cost_per_hour":1}]}`, "bad day"},
		{"cost with 3 decimals", "", `{"shifts":[{"name":"a","length":"4h"}],"sites":[{"name":"s","cost_per_hour":12.505}]}`, "sites.cost_per_hour: must have at most 2 decimals"},
		{"negative cost", "", `{"shifts":[{"name":"a","length":"4h"}],"sites":[{"name":"s","cost_per_hour":-12}]}`, "sites.cost_per_hour: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c := reqs, dayOnly
			if tt.reqs != "" {
				r = writeTemp(t, "r.csv", tt.reqs)
			}
			if tt.cfg != "" {
				c = writeTemp(t, "c.json", tt.cfg)
			}
			code, _, errs := runCLI(t, "schedule", "--requirements", r, "--config", c)
			if code != 1 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, errs, tt.want)
			}
		})
	}
	if code, _, _ := runCLI(t, "schedule"); code != 1 {
		t.Errorf("missing flags: exit %d", code)
	}
}

func TestForecastCommand(t *testing.T) {
	// Five weeks of a weekly + intraday pattern with Poisson-like noise.
	r := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("start,calls\n")
	start := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	for i := range 5 * 7 * 48 {
		h := float64(i%48) / 2
		mean := 3 + 50*math.Exp(-(h-13)*(h-13)/10)
		if (i/48)%7 >= 5 {
			mean *= 0.4
		}
		v := math.Max(0, math.Round(mean+math.Sqrt(mean)*r.NormFloat64()))
		fmt.Fprintf(&b, "%s,%g\n", start.Add(time.Duration(i)*30*time.Minute).Format(time.RFC3339), v)
	}
	path := writeTemp(t, "hist.csv", b.String())
	code, out, errs := runCLI(t, "forecast", "--csv", path, "--interval", "30m", "--backtest-days", "7", "--horizon-days", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Backtest struct {
			HW float64 `json:"holt_winters_wape"`
			SN float64 `json:"seasonal_naive_wape"`
		} `json:"backtest"`
		Forecast []struct {
			Start time.Time `json:"start"`
			Calls float64   `json:"calls"`
		} `json:"forecast"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Forecast) != 96 || !res.Forecast[0].Start.Equal(start.Add(5*7*24*time.Hour)) {
		t.Fatalf("forecast has %d points starting %v", len(res.Forecast), res.Forecast[0].Start)
	}
	if res.Backtest.HW <= 0 || res.Backtest.HW > 0.3 || res.Backtest.HW > res.Backtest.SN+1e-9 {
		t.Errorf("backtest WAPE: HW %v, SN %v", res.Backtest.HW, res.Backtest.SN)
	}
	code, out, _ = runCLI(t, "forecast", "--csv", path, "--horizon-days", "1")
	if code != 0 || !strings.Contains(out, "Holt-Winters") || !strings.Contains(out, "seasonal-naive") {
		t.Errorf("text output: exit %d\n%s", code, out)
	}
	bad := writeTemp(t, "bad.csv", "start,calls\n2026-02-02T00:00:00Z,1\n2026-02-02T00:30:00Z,-4\n")
	if code, _, errs := runCLI(t, "forecast", "--csv", bad); code != 1 || !strings.Contains(errs, "line 3") {
		t.Errorf("bad CSV: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "forecast"); code != 1 || !strings.Contains(errs, "--csv") {
		t.Errorf("no csv: exit %d, %q", code, errs)
	}
}

package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSimulateCommand(t *testing.T) {
	code, out, errs := runCLI(t, "simulate", "--agents", "10", "--calls", "80", "--intervals", "100", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res simOutput
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Offered < 7000 || res.Handled != res.Offered || res.Model == nil || res.Model.Name != "erlang-c" {
		t.Fatalf("result %+v", res)
	}
	if d := res.ServiceLevel - res.Model.ServiceLevel; d > 0.08 || d < -0.08 {
		t.Errorf("simulated SL %.3f far from Erlang C %.3f", res.ServiceLevel, res.Model.ServiceLevel)
	}
	plan := writeTemp(t, "plan.csv", "start,calls,agents\n08:00,20,3\n08:30,40,6\n09:00,10,2\n")
	code, out, errs = runCLI(t, "simulate", "--plan", plan, "--per-interval", "--patience", "2m", "--dist", "lognormal", "--cv", "0.5")
	if code != 0 || !strings.Contains(out, "interval") || strings.Count(out, "\n") < 8 {
		t.Fatalf("plan: exit %d %s\n%s", code, errs, out)
	}
	bad := writeTemp(t, "bad.csv", "start,calls,agents\n08:00,20,3\n08:30,x,6\n")
	if code, _, errs := runCLI(t, "simulate", "--plan", bad); code != 1 || !strings.Contains(errs, "line 3") {
		t.Errorf("bad plan: exit %d %q", code, errs)
	}
	if code, _, _ := runCLI(t, "simulate", "--dist", "gamma"); code != 1 {
		t.Errorf("unknown distribution: exit %d", code)
	}
}

func TestDemoCommand(t *testing.T) {
	code, out, errs := runCLI(t, "demo", "--morning", "--narrate", "5m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"agent 1 is ready", "arrives", "morning", "service level"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestSimulateSaysWhatItDoes: the plan's starts are honoured, the warm-up
// left out is said, an overloaded interval is warned about, and non-positive
// calls or agents are refused plainly.
func TestSimulateSaysWhatItDoes(t *testing.T) {
	plan := writeTemp(t, "plan.csv", "start,calls,agents\n2026-03-02T08:00:00+01:00,10,3\n2026-03-02T08:15:00+01:00,20,6\n2026-03-02T08:30:00+01:00,90,2\n")
	code, out, errs := runCLI(t, "simulate", "--plan", plan, "--per-interval", "--aht", "3m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Mon 08:00 (warm-up)", "Mon 08:15", "Mon 08:30", "without the first 1 warm-up interval(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "warning: Mon 08:30: offered load 18.0 Erlangs for 2 agents: overloaded") || strings.Contains(errs, "08:15") {
		t.Errorf("warnings: %q", errs)
	}
	if code, _, errs := runCLI(t, "simulate", "--plan", plan, "--interval", "30m"); code != 1 || !strings.Contains(errs, "15m0s apart") {
		t.Errorf("a plan against --interval: exit %d %q", code, errs)
	}
	if _, _, errs := runCLI(t, "simulate", "--agents", "2", "--calls", "80", "--intervals", "3"); !strings.Contains(errs, "every interval: offered load 8.0 Erlangs for 2 agents") {
		t.Errorf("constant overload: %q", errs)
	}
	for _, args := range [][]string{{"--calls", "0"}, {"--calls", "-5"}, {"--agents", "0"}, {"--agents", "-1"}} {
		code, _, errs := runCLI(t, append([]string{"simulate"}, args...)...)
		if code != 1 || !strings.Contains(errs, "must be positive") {
			t.Errorf("simulate %v: exit %d %q", args, code, errs)
		}
	}
}

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

package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/sim"
	"github.com/plateau-cc/plateau/internal/wfm"
)

const simulateHelp = `Usage: plateau simulate [flags]

Runs Plateau's routing engine under a virtual clock: Poisson arrivals,
handle times drawn from a distribution, optional customer patience, and
agents who accept every offer. Prints offered, handled, abandoned, service
level, ASA and occupancy, with 95% confidence half-widths (batch means), and
what Erlang C (or Erlang A with --patience) predicts for a constant load.

--plan FILE replaces --calls and --agents with one line per interval:
"start,calls,agents" (RFC 3339 or HH:MM starts, evenly spaced: the first one starts
the simulation and the spacing is the interval length; a header line is
allowed).

The first --warmup intervals (default 1) are simulated but left out of the
totals, which says so. An interval whose offered load (calls × AHT /
interval) reaches its agents is overloaded: the queue grows without bound
and a warning says so.

Flags:
`

type simOutput struct {
	Offered       int           `json:"offered"`
	Handled       int           `json:"handled"`
	Abandoned     int           `json:"abandoned"`
	ServiceLevel  float64       `json:"service_level"`
	SLHalfWidth   float64       `json:"service_level_ci95"`
	ASASeconds    float64       `json:"asa_seconds"`
	ASAHalfWidth  float64       `json:"asa_seconds_ci95"`
	AbandonRate   float64       `json:"abandon_rate"`
	Occupancy     float64       `json:"occupancy"`
	Events        int           `json:"engine_events"`
	ElapsedMillis float64       `json:"elapsed_ms"`
	ContactsPerS  float64       `json:"contacts_per_second"`
	Model         *simModel     `json:"model,omitempty"`
	Intervals     []simInterval `json:"intervals,omitempty"`
	// WarmupIntervals were simulated but are not in the totals.
	WarmupIntervals int `json:"warmup_intervals"`
	// Overloaded lists the intervals whose offered load reaches their agents.
	Overloaded []string `json:"overloaded,omitempty"`
}

// simModel is what Erlang C (or A) predicts for a constant load.
type simModel struct {
	Name         string  `json:"name"`
	ServiceLevel float64 `json:"service_level"`
	ASASeconds   float64 `json:"asa_seconds"`
	AbandonRate  float64 `json:"abandon_rate"`
	Occupancy    float64 `json:"occupancy"`
}

type simInterval struct {
	Start        string  `json:"start"`
	Agents       int     `json:"agents"`
	Offered      int     `json:"offered"`
	Handled      int     `json:"handled"`
	Abandoned    int     `json:"abandoned"`
	ServiceLevel float64 `json:"service_level"`
	ASASeconds   float64 `json:"asa_seconds"`
	Occupancy    float64 `json:"occupancy"`
	Warmup       bool    `json:"warmup,omitempty"` // left out of the totals
}

func runSimulate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, simulateHelp); fs.PrintDefaults() }
	agents := fs.Int("agents", 10, "agents logged in")
	calls := fs.Float64("calls", 80, "mean calls per interval")
	interval := fs.Duration("interval", 30*time.Minute, "interval length")
	intervals := fs.Int("intervals", 48, "intervals simulated")
	warmup := fs.Int("warmup", 1, "intervals left out of the totals")
	aht := fs.Duration("aht", 3*time.Minute, "mean handle time")
	dist := fs.String("dist", "exponential", "handle-time distribution: exponential or lognormal")
	cv := fs.Float64("cv", 1, "coefficient of variation of a lognormal handle time")
	patience := fs.Duration("patience", 0, "mean customer patience (exponential); 0: nobody abandons")
	slFlag := fs.String("sl", "80/20", "service-level target X/Y (percent/seconds)")
	seed := fs.Uint64("seed", 1, "random seed")
	plan := fs.String("plan", "", "CSV file of start,calls,agents per interval")
	perInterval := fs.Bool("per-interval", false, "print every interval")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	target, threshold, err := staffParseSL(*slFlag)
	if err != nil {
		return err
	}
	intervalSet := false
	fs.Visit(func(f *flag.Flag) { intervalSet = intervalSet || f.Name == "interval" })
	if *plan == "" && (*calls <= 0 || *agents <= 0) {
		return fmt.Errorf("--calls (%g) and --agents (%d) must be positive: a simulation needs contacts and someone to take them", *calls, *agents)
	}
	if *interval <= 0 || *aht <= 0 {
		return errors.New("--interval and --aht must be positive")
	}
	cfg := sim.Config{
		Seed: *seed, Interval: *interval, Intervals: *intervals, Warmup: *warmup,
		Rates: []float64{*calls}, Staff: []int{*agents},
		Queue: acd.QueueConfig{Channel: acd.Voice, SLThreshold: threshold, SLTarget: target},
	}
	switch *dist {
	case "exponential":
		cfg.Handle = sim.Exponential{Avg: *aht}
	case "lognormal":
		cfg.Handle = sim.LogNormal{Avg: *aht, CV: *cv}
	default:
		return fmt.Errorf("--dist %q: want exponential or lognormal", *dist)
	}
	if *patience > 0 {
		cfg.Patience = sim.Exponential{Avg: *patience}
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if *plan != "" {
		p, err := readPlan(*plan)
		if err != nil {
			return err
		}
		cfg.Rates, cfg.Staff, cfg.Intervals = p.rates, p.staff, len(p.rates)
		if !p.start.IsZero() {
			start, cfg.Start = p.start, p.start
		}
		if p.step > 0 {
			if intervalSet && p.step != *interval {
				return fmt.Errorf("--plan %s: its lines are %v apart but --interval is %v", *plan, p.step, *interval)
			}
			cfg.Interval, *interval = p.step, p.step
		}
		if cfg.Warmup >= cfg.Intervals {
			cfg.Warmup = 0
		}
	}
	var overloaded []string
	for i, rate := range cfg.Rates {
		n := cfg.Staff[min(i, len(cfg.Staff)-1)]
		if load := rate * aht.Seconds() / interval.Seconds(); load >= float64(n) {
			at := start.Add(time.Duration(i) * *interval).Format("Mon 15:04")
			if *plan == "" {
				at = "every interval"
			}
			overloaded = append(overloaded, at)
			fmt.Fprintf(stderr, "warning: %s: offered load %.1f Erlangs for %d agents: overloaded, the queue grows without bound (give more agents than the load)\n", at, load, n)
		}
	}
	started := time.Now()
	res, err := sim.Run(cfg)
	if err != nil {
		return err
	}
	elapsed := time.Since(started)
	out := simOutput{
		Offered: res.Total.Offered, Handled: res.Total.Answered, Abandoned: res.Total.Abandoned,
		ServiceLevel: res.Total.ServiceLevel(), SLHalfWidth: res.SLHalfWidth,
		ASASeconds: res.Total.ASA().Seconds(), ASAHalfWidth: res.ASAHalfWidth.Seconds(),
		AbandonRate: res.Total.AbandonRate(), Occupancy: res.Total.Occupancy(),
		Events: res.Events, ElapsedMillis: float64(elapsed.Microseconds()) / 1000,
		WarmupIntervals: cfg.Warmup, Overloaded: overloaded,
	}
	if s := elapsed.Seconds(); s > 0 {
		total := 0
		for _, iv := range res.Intervals {
			total += iv.Offered
		}
		out.ContactsPerS = float64(total) / s
	}
	if *plan == "" && *dist == "exponential" {
		iv := wfm.Interval{Calls: *calls, Length: *interval, AHT: *aht, Patience: *patience}
		if m, err := wfm.Evaluate(iv, *agents, threshold); err == nil {
			out.Model = &simModel{m.Model, m.ServiceLevel, m.ASASeconds, m.AbandonRate, m.Occupancy}
		}
	}
	if *perInterval {
		for i, s := range res.Intervals {
			out.Intervals = append(out.Intervals, simInterval{
				Start: start.Add(time.Duration(i) * *interval).Format("Mon 15:04"), Agents: cfg.Staff[min(i, len(cfg.Staff)-1)],
				Offered: s.Offered, Handled: s.Answered, Abandoned: s.Abandoned,
				ServiceLevel: s.ServiceLevel(), ASASeconds: s.ASA().Seconds(), Occupancy: s.Occupancy(),
				Warmup: i < cfg.Warmup,
			})
		}
	}
	if *asJSON {
		return wfmWriteJSON(stdout, out)
	}
	return printSim(stdout, out, threshold)
}

func printSim(w io.Writer, o simOutput, threshold time.Duration) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(o.Intervals) > 0 {
		fmt.Fprintln(tw, "interval\tagents\toffered\thandled\tabandoned\tSL\tASA\toccupancy")
		for _, iv := range o.Intervals {
			name := iv.Start
			if iv.Warmup {
				name += " (warm-up)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f%%\t%.0fs\t%.1f%%\n", name, iv.Agents, iv.Offered, iv.Handled,
				iv.Abandoned, 100*iv.ServiceLevel, iv.ASASeconds, 100*iv.Occupancy)
		}
		fmt.Fprintln(tw)
	}
	if o.WarmupIntervals > 0 {
		fmt.Fprintf(tw, "totals\twithout the first %d warm-up interval(s) (--warmup)\n", o.WarmupIntervals)
	}
	fmt.Fprintf(tw, "offered\t%d\n", o.Offered)
	fmt.Fprintf(tw, "handled\t%d\n", o.Handled)
	fmt.Fprintf(tw, "abandoned\t%d (%.2f%%)\n", o.Abandoned, 100*o.AbandonRate)
	fmt.Fprintf(tw, "service level (%v)\t%.2f%% ± %.2f\n", threshold, 100*o.ServiceLevel, 100*o.SLHalfWidth)
	fmt.Fprintf(tw, "ASA\t%.1fs ± %.1f\n", o.ASASeconds, o.ASAHalfWidth)
	fmt.Fprintf(tw, "occupancy\t%.2f%%\n", 100*o.Occupancy)
	if m := o.Model; m != nil {
		fmt.Fprintf(tw, "%s predicts\tSL %.2f%%, ASA %.1fs, abandon %.2f%%, occupancy %.2f%%\n", m.Name,
			100*m.ServiceLevel, m.ASASeconds, 100*m.AbandonRate, 100*m.Occupancy)
	}
	fmt.Fprintf(tw, "speed\t%d engine events, %.0f contacts/s\n", o.Events, o.ContactsPerS)
	return tw.Flush()
}

// simPlan is a --plan file: each interval's calls and agents, the first
// start (zero when the lines carry none) and the spacing of the starts.
type simPlan struct {
	rates []float64
	staff []int
	start time.Time
	step  time.Duration
}

// planStart reads a plan's start: RFC 3339, or a clock time HH:MM on the
// simulation's default day (Monday 2026-01-05, UTC).
func planStart(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	c, err := time.Parse("15:04", v)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(2026, 1, 5, c.Hour(), c.Minute(), 0, 0, time.UTC), nil
}

// readPlan reads "start,calls,agents" lines.
func readPlan(path string) (simPlan, error) {
	var p simPlan
	f, err := os.Open(path)
	if err != nil {
		return p, fmt.Errorf("read plan: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 3
	var last time.Time
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p, fmt.Errorf("read plan %s: %w", path, err)
		}
		calls, err1 := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		agents, err2 := strconv.Atoi(strings.TrimSpace(rec[2]))
		if err1 != nil || err2 != nil || calls < 0 || agents < 0 {
			if line == 1 {
				continue // header
			}
			return p, fmt.Errorf("read plan %s line %d: want start,calls,agents with calls >= 0 and agents >= 0, got %q", path, line, strings.Join(rec, ","))
		}
		t, err := planStart(strings.TrimSpace(rec[0]))
		if err != nil {
			return p, fmt.Errorf("read plan %s line %d: bad start %q: want RFC 3339 or HH:MM", path, line, rec[0])
		}
		switch {
		case len(p.rates) == 0:
			p.start = t
		case len(p.rates) == 1:
			if p.step = t.Sub(last); p.step <= 0 {
				return p, fmt.Errorf("read plan %s line %d: start is not after the previous line", path, line)
			}
		case t.Sub(last) != p.step:
			return p, fmt.Errorf("read plan %s line %d: start %s is not %v after the previous line", path, line, rec[0], p.step)
		}
		last = t
		p.rates = append(p.rates, calls)
		p.staff = append(p.staff, agents)
	}
	if len(p.rates) == 0 {
		return p, fmt.Errorf("read plan %s: no interval", path)
	}
	return p, nil
}

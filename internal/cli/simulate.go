package cli

import (
	"context"
	"encoding/csv"
	"errors"
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
"start,calls,agents" (start is informative; a header line is allowed).

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
	if *plan != "" {
		rates, staff, err := readPlan(*plan)
		if err != nil {
			return err
		}
		cfg.Rates, cfg.Staff, cfg.Intervals = rates, staff, len(rates)
		if cfg.Warmup >= cfg.Intervals {
			cfg.Warmup = 0
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
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if *perInterval {
		for i, s := range res.Intervals {
			out.Intervals = append(out.Intervals, simInterval{
				Start: start.Add(time.Duration(i) * *interval).Format("Mon 15:04"), Agents: cfg.Staff[min(i, len(cfg.Staff)-1)],
				Offered: s.Offered, Handled: s.Answered, Abandoned: s.Abandoned,
				ServiceLevel: s.ServiceLevel(), ASASeconds: s.ASA().Seconds(), Occupancy: s.Occupancy(),
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
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f%%\t%.0fs\t%.1f%%\n", iv.Start, iv.Agents, iv.Offered, iv.Handled,
				iv.Abandoned, 100*iv.ServiceLevel, iv.ASASeconds, 100*iv.Occupancy)
		}
		fmt.Fprintln(tw)
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

// readPlan reads "start,calls,agents" lines.
func readPlan(path string) ([]float64, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read plan: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 3
	var rates []float64
	var staff []int
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read plan %s: %w", path, err)
		}
		calls, err1 := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		agents, err2 := strconv.Atoi(strings.TrimSpace(rec[2]))
		if err1 != nil || err2 != nil || calls < 0 || agents < 0 {
			if line == 1 {
				continue // header
			}
			return nil, nil, fmt.Errorf("read plan %s line %d: want start,calls,agents with calls >= 0 and agents >= 0, got %q", path, line, strings.Join(rec, ","))
		}
		rates = append(rates, calls)
		staff = append(staff, agents)
	}
	if len(rates) == 0 {
		return nil, nil, fmt.Errorf("read plan %s: no interval", path)
	}
	return rates, staff, nil
}

package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/wfm"
)

const staffHelp = `Usage: plateau staff --calls N --aht D [targets] [flags]
       plateau staff --csv FILE [targets] [flags]

Computes the agents needed for one interval (or, with --csv, for each
interval of a file) to meet every target given, by Erlang C, or by Erlang A
when --patience is set. With no target at all, --sl 80/20 is used.

Definitions: service level = answered within Y seconds / all offered (under
Erlang A abandoned contacts count as failures); ASA = mean wait of answered
contacts; occupancy = carried load / agents; scheduled agents =
ceil(agents / (1 - shrinkage)).

--csv FILE has lines "start,calls,aht_seconds" (RFC 3339 start; a header
line is allowed; what "plateau forecast --format csv" writes) and prints one
requirement per line (JSON lines with --json; with --format csv the lines
"start,agents" of scheduled agents that "plateau schedule --requirements"
reads).

Flags:
`

// staffOptions are the parsed settings shared by single and CSV runs.
type staffOptions struct {
	interval  time.Duration
	patience  time.Duration
	targets   wfm.Targets
	shrinkage float64
}

// staffResult is one line of staff's output.
type staffResult struct {
	Start           string   `json:"start,omitempty"`
	Calls           float64  `json:"calls"`
	AHTSeconds      float64  `json:"aht_seconds"`
	Model           string   `json:"model"`
	Agents          int      `json:"agents"`
	ScheduledAgents int      `json:"scheduled_agents"`
	OfferedLoad     float64  `json:"offered_load"`
	ServiceLevel    float64  `json:"service_level"`
	SLThresholdSecs float64  `json:"sl_threshold_seconds"`
	PWait           float64  `json:"p_wait"`
	ASASeconds      float64  `json:"asa_seconds"`
	Occupancy       float64  `json:"occupancy"`
	AbandonRate     *float64 `json:"abandon_rate,omitempty"`
}

func runStaff(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("staff", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), staffHelp)
		fs.PrintDefaults()
	}
	calls := fs.Float64("calls", -1, "contacts offered in the interval")
	interval := fs.Duration("interval", 30*time.Minute, "interval length")
	aht := fs.Duration("aht", 0, "average handle time, e.g. 180s")
	sl := fs.String("sl", "", "service level target X/Y: X% answered within Y seconds, e.g. 80/20")
	patience := fs.Duration("patience", 0, "mean customer patience; selects Erlang A")
	maxAbandon := fs.Float64("max-abandon", 0, "maximum abandonment rate, e.g. 0.02 (needs --patience)")
	maxASA := fs.Duration("max-asa", 0, "maximum average speed of answer, e.g. 30s")
	maxOcc := fs.Float64("max-occupancy", 0, "maximum occupancy, e.g. 0.9")
	shrinkage := fs.Float64("shrinkage", 0, "share of paid time not available for contacts, in [0,1)")
	csvFile := fs.String("csv", "", "CSV file of start,calls,aht_seconds lines")
	asJSON := fs.Bool("json", false, "print JSON (same as --format json)")
	format := fs.String("format", "text", "text, json or csv (with --csv: start,agents lines for plateau schedule)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, asJSON); err != nil {
		return err
	}
	if *asJSON {
		*format = "json"
	}
	if *format == "csv" && *csvFile == "" {
		return errors.New("--format csv needs --csv: it writes one requirement per interval")
	}
	opts := staffOptions{interval: *interval, patience: *patience, shrinkage: *shrinkage}
	opts.targets = wfm.Targets{MaxASA: *maxASA, MaxAbandon: *maxAbandon, MaxOccupancy: *maxOcc}
	if *sl == "" && *maxASA == 0 && *maxAbandon == 0 && *maxOcc == 0 {
		*sl = "80/20"
	}
	if *sl != "" {
		x, y, err := staffParseSL(*sl)
		if err != nil {
			return fmt.Errorf("--sl: %w", err)
		}
		opts.targets.ServiceLevel, opts.targets.SLThreshold = x, y
	} else {
		opts.targets.SLThreshold = 20 * time.Second
	}
	if *shrinkage < 0 || *shrinkage >= 1 {
		return fmt.Errorf("--shrinkage must be in [0, 1), got %v", *shrinkage)
	}
	if *csvFile != "" {
		if *calls >= 0 || *aht != 0 {
			return errors.New("--csv takes calls and AHT from the file: drop --calls and --aht")
		}
		return staffCSV(*csvFile, opts, *format, stdout)
	}
	if *calls < 0 {
		return errors.New("--calls is required (or --csv)")
	}
	if *aht <= 0 {
		return errors.New("--aht is required and must be positive, e.g. --aht 180s")
	}
	res, err := staffOne("", *calls, *aht, opts)
	if err != nil {
		return err
	}
	if *format == "json" {
		return wfmWriteJSON(stdout, res)
	}
	return staffTable(stdout, []staffResult{res})
}

// staffParseSL parses "X/Y": X percent (or a fraction <= 1) within Y seconds
// (a number of seconds or a duration such as 20s).
func staffParseSL(s string) (float64, time.Duration, error) {
	xs, ys, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("want X/Y such as 80/20, got %q", s)
	}
	x, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(xs), "%"), 64)
	if err != nil || x <= 0 || x >= 100 {
		return 0, 0, fmt.Errorf("bad percentage %q: want a number in (0, 100)", xs)
	}
	if x > 1 {
		x /= 100
	}
	ys = strings.TrimSpace(ys)
	var y time.Duration
	if v, err := strconv.ParseFloat(ys, 64); err == nil {
		y = time.Duration(v * float64(time.Second))
	} else if y, err = time.ParseDuration(ys); err != nil {
		return 0, 0, fmt.Errorf("bad threshold %q: want seconds such as 20 or 20s", ys)
	}
	if y <= 0 {
		return 0, 0, fmt.Errorf("threshold must be positive, got %q", ys)
	}
	return x, y, nil
}

func staffOne(start string, calls float64, aht time.Duration, o staffOptions) (staffResult, error) {
	iv := wfm.Interval{Calls: calls, Length: o.interval, AHT: aht, Patience: o.patience}
	m, err := wfm.RequiredAgents(iv, o.targets)
	if err != nil {
		return staffResult{}, err
	}
	sched, err := wfm.ScheduledAgents(m.Agents, o.shrinkage)
	if err != nil {
		return staffResult{}, err
	}
	r := staffResult{
		Start: start, Calls: calls, AHTSeconds: aht.Seconds(), Model: m.Model,
		Agents: m.Agents, ScheduledAgents: sched, OfferedLoad: m.OfferedLoad,
		ServiceLevel: m.ServiceLevel, SLThresholdSecs: o.targets.SLThreshold.Seconds(),
		PWait: m.PWait, ASASeconds: m.ASASeconds, Occupancy: m.Occupancy,
	}
	if m.Model == wfm.ModelErlangA {
		ab := m.AbandonRate
		r.AbandonRate = &ab
	}
	return r, nil
}

func staffCSV(path string, o staffOptions, format string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open CSV: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	var results []staffResult
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 3 {
			return fmt.Errorf("%s: line %d: want 3 columns (start,calls,aht_seconds), got %d", path, line, len(rec))
		}
		start, err := time.Parse(time.RFC3339, strings.TrimSpace(rec[0]))
		if err != nil {
			if first {
				continue // header
			}
			return fmt.Errorf("%s: line %d: bad start %q: want RFC 3339", path, line, rec[0])
		}
		calls, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err != nil || calls < 0 {
			return fmt.Errorf("%s: line %d: bad calls %q: want a number >= 0", path, line, rec[1])
		}
		ahtS, err := strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
		if err != nil || ahtS <= 0 {
			return fmt.Errorf("%s: line %d: bad AHT %q: want seconds > 0", path, line, rec[2])
		}
		res, err := staffOne(start.Format(time.RFC3339), calls, time.Duration(ahtS*float64(time.Second)), o)
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", path, line, err)
		}
		results = append(results, res)
	}
	if len(results) == 0 {
		return fmt.Errorf("%s: no data lines", path)
	}
	if format == "csv" {
		w := csv.NewWriter(stdout)
		w.Write([]string{"start", "agents"})
		for _, r := range results {
			w.Write([]string{r.Start, strconv.Itoa(r.ScheduledAgents)})
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
		return nil
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("write JSON: %w", err)
			}
		}
		return nil
	}
	return staffTable(stdout, results)
}

func staffTable(w io.Writer, rs []staffResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	withStart := rs[0].Start != ""
	withAb := rs[0].AbandonRate != nil
	head := "calls\tAHT s\tload Erl\tagents\tscheduled\tSL\tP(wait)\tASA s\toccupancy\t"
	if withAb {
		head += "abandon\t"
	}
	if withStart {
		head = "start\t" + head
	}
	fmt.Fprintln(tw, head)
	for _, r := range rs {
		row := fmt.Sprintf("%g\t%g\t%.2f\t%d\t%d\t%.1f%%\t%.1f%%\t%.1f\t%.1f%%\t",
			r.Calls, r.AHTSeconds, r.OfferedLoad, r.Agents, r.ScheduledAgents,
			100*r.ServiceLevel, 100*r.PWait, r.ASASeconds, 100*r.Occupancy)
		if withAb {
			row += fmt.Sprintf("%.2f%%\t", 100**r.AbandonRate)
		}
		if withStart {
			row = r.Start + "\t" + row
		}
		fmt.Fprintln(tw, row)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	model := "Erlang C"
	if withAb {
		model = "Erlang A"
	}
	_, err := fmt.Fprintf(w, "model: %s; SL = answered within %gs / offered; ASA over answered contacts\n", model, rs[0].SLThresholdSecs)
	return err
}

// checkFormat checks a --format flag; --json sets it to json.
func checkFormat(format string, asJSON *bool) error {
	switch format {
	case "text", "json", "csv":
	default:
		return fmt.Errorf("--format %q: want text, json or csv", format)
	}
	if *asJSON {
		if format == "csv" {
			return errors.New("--json and --format csv: choose one")
		}
	}
	return nil
}

// wfmWriteJSON prints v as indented JSON.
func wfmWriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

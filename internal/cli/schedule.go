package cli

import (
	"bytes"
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

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/wfm"
)

const scheduleHelp = `Usage: plateau schedule --requirements FILE.csv --config FILE.json [--json]

Covers a per-interval requirement with shifts at sites, at least cost,
keeping the share of paid hours in France at or above the minimum (default
0.60, the Label de Responsabilité Sociale localisation rule). Prints the
plan, its cost, the France share and the intervals that no allowed shift
can cover.

--requirements: CSV lines "start,agents" (RFC 3339 start, a header line
"start,agents" is allowed: what "plateau staff --csv FILE --format csv"
writes), contiguous and evenly spaced (the spacing is the interval length).

Exits 1 after printing the plan when the France share is not met, so that a
script does not take the plan for a valid one.

--config: JSON such as
  {
    "min_france_share": 0.6,        // optional, default 0.6; 0 = no rule
    "cyclic": true,                 // optional: the horizon repeats (a week)
    "shifts": [
      {"name": "day", "length": "8h",
       "starts": ["08:00", "09:00"],   // optional: any interval start
       "days": ["mon", "tue"],          // optional: every day
       "breaks": [{"offset": "4h", "length": "30m"}]},  // unpaid
      {"name": "night", "length": "8h", "starts": ["22:00"]}
    ],
    "sites": [
      {"name": "Paris", "country": "France", "cost_per_hour": 30,
       "open": "08:00", "close": "20:00"},          // omit both for 24/7
      {"name": "Home FR", "country": "France", "cost_per_hour": 27.50,
       "homeshoring": true},
      {"name": "Rabat", "country": "Morocco", "cost_per_hour": 12,
       "open": "07:00", "close": "23:00"}
    ]
  }
(the JSON itself takes no comments). Clock times are read in the time zone
of the first requirement line. A cost per hour is an amount with at most 2
decimals (27.50, not 27.505); costs are computed exactly from the paid
time and printed to the cent, each rounded once, halves away from zero.

Flags:
`

func runSchedule(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("schedule", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), scheduleHelp)
		fs.PrintDefaults()
	}
	reqFile := fs.String("requirements", "", "CSV of start,agents lines")
	cfgFile := fs.String("config", "", "JSON of shift templates and sites")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *reqFile == "" || *cfgFile == "" {
		return errors.New("--requirements and --config are required")
	}
	p, err := readRequirements(*reqFile)
	if err != nil {
		return err
	}
	if err := readScheduleConfig(*cfgFile, &p); err != nil {
		return err
	}
	plan, err := wfm.Schedule(p)
	if err != nil {
		return err
	}
	if *asJSON {
		err = wfmWriteJSON(stdout, plan)
	} else {
		err = scheduleText(stdout, plan)
	}
	if err != nil {
		return err
	}
	if !plan.FranceShareMet {
		return fmt.Errorf("the France share of paid hours is %.1f%%, under the minimum %.0f%%: add French capacity or lower min_france_share",
			100*plan.FranceShare, 100*plan.MinFranceShare)
	}
	return nil
}

// readRequirements reads "start,agents" lines into the horizon of a problem.
func readRequirements(path string) (wfm.ScheduleProblem, error) {
	var p wfm.ScheduleProblem
	f, err := os.Open(path)
	if err != nil {
		return p, fmt.Errorf("open requirements: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	var last time.Time
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		t, terr := time.Parse(time.RFC3339, strings.TrimSpace(rec[0]))
		if terr != nil && first {
			if len(rec) != 2 || !strings.EqualFold(strings.TrimSpace(rec[0]), "start") || !strings.EqualFold(strings.TrimSpace(rec[1]), "agents") {
				return p, fmt.Errorf("%s: line %d: header %q: want \"start,agents\", a staffing requirement (plateau staff --csv FILE --format csv writes one)", path, line, strings.Join(rec, ","))
			}
			continue
		}
		if len(rec) != 2 {
			return p, fmt.Errorf("%s: line %d: want 2 columns (start,agents), got %d", path, line, len(rec))
		}
		if terr != nil {
			return p, fmt.Errorf("%s: line %d: bad start %q: want RFC 3339", path, line, rec[0])
		}
		n, err := strconv.Atoi(strings.TrimSpace(rec[1]))
		if err != nil || n < 0 {
			return p, fmt.Errorf("%s: line %d: bad agents %q: want an integer >= 0", path, line, rec[1])
		}
		switch {
		case len(p.Required) == 0:
			p.Start = t
		case len(p.Required) == 1:
			p.Step = t.Sub(last)
			if p.Step <= 0 {
				return p, fmt.Errorf("%s: line %d: start is not after the previous line", path, line)
			}
		case t.Sub(last) != p.Step:
			return p, fmt.Errorf("%s: line %d: start %s is not %v after the previous line", path, line, rec[0], p.Step)
		}
		p.Required = append(p.Required, n)
		last = t
	}
	if len(p.Required) < 2 {
		return p, fmt.Errorf("%s: need at least two intervals", path)
	}
	return p, nil
}

func readScheduleConfig(path string, p *wfm.ScheduleProblem) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var spec wfm.ScheduleSpec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		if ve, ok := model.MoneyError(err); ok {
			return fmt.Errorf("%s: %w", path, ve)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := spec.Apply(p); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func scheduleText(w io.Writer, pl wfm.Plan) error {
	met := "met"
	if !pl.FranceShareMet {
		met = "NOT met"
	}
	fmt.Fprintf(w, "total cost: %s for %.1f paid hours\n", pl.TotalCost, pl.TotalHours)
	fmt.Fprintf(w, "France share: %.1f%% of paid hours (minimum %.0f%%: %s)\n", 100*pl.FranceShare, 100*pl.MinFranceShare, met)
	fmt.Fprintf(w, "uncovered intervals: %d\n\n", len(pl.Uncovered))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "start\tsite\tshift\tagents\tpaid h/agent\tcost")
	for _, a := range pl.Assignments {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1f\t%s\n", a.Start.Format("Mon 2006-01-02 15:04"), a.Site, a.Shift, a.Agents, a.PaidHours, a.Cost)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if len(pl.Uncovered) > 0 {
		fmt.Fprintln(w, "\nuncovered (start: scheduled/required):")
		for _, u := range pl.Uncovered {
			fmt.Fprintf(w, "  %s: %d/%d\n", u.Start.Format("Mon 2006-01-02 15:04"), u.Scheduled, u.Required)
		}
	}
	return nil
}

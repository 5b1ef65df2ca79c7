package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/wfm"
)

const forecastHelp = `Usage: plateau forecast --csv FILE --interval 30m [--backtest-days 7] [--horizon-days 7] [--json]

Forecasts contact volumes with an additive double-seasonal Holt-Winters model
(intraday and weekly seasons, constants chosen by grid search) and reports a
backtest: both Holt-Winters and seasonal-naive (same interval last week) are
trained on all but the last --backtest-days days and judged on them by WAPE =
sum |actual - forecast| / sum actual. Then the model is refitted on the whole
history and forecasts --horizon-days days after it.

--csv has lines "start,calls" (RFC 3339 start, a header line allowed);
missing intervals count as zero. Holt-Winters needs two weeks of training.

Flags:
`

// forecastPoint is one forecast interval.
type forecastPoint struct {
	Start time.Time `json:"start"`
	Calls float64   `json:"calls"`
}

// forecastOutput is the JSON output of the forecast command.
type forecastOutput struct {
	Backtest *wfm.BacktestResult   `json:"backtest,omitempty"`
	Params   wfm.HoltWintersParams `json:"params"`
	Forecast []forecastPoint       `json:"forecast"`
}

func runForecast(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("forecast", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), forecastHelp)
		fs.PrintDefaults()
	}
	csvFile := fs.String("csv", "", "CSV of start,calls lines")
	interval := fs.Duration("interval", 30*time.Minute, "interval length (must divide a day)")
	backtestDays := fs.Int("backtest-days", 7, "days held out for the backtest (0: none)")
	horizonDays := fs.Int("horizon-days", 7, "days to forecast after the history")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *csvFile == "" {
		return errors.New("--csv is required")
	}
	if *backtestDays < 0 || *horizonDays < 0 {
		return errors.New("--backtest-days and --horizon-days must be >= 0")
	}
	f, err := os.Open(*csvFile)
	if err != nil {
		return fmt.Errorf("open CSV: %w", err)
	}
	defer f.Close()
	s, err := wfm.ReadSeriesCSV(f, *interval)
	if err != nil {
		return fmt.Errorf("%s: %w", *csvFile, err)
	}
	perDay, err := s.PerDay()
	if err != nil {
		return err
	}
	var out forecastOutput
	if *backtestDays > 0 {
		bt, err := wfm.Backtest(s, *backtestDays, nil)
		if err != nil {
			return err
		}
		out.Backtest = &bt
	}
	hw, err := wfm.FitHoltWinters(s, nil)
	if err != nil {
		return err
	}
	out.Params = hw.Params
	for i, v := range hw.Forecast(*horizonDays * perDay) {
		out.Forecast = append(out.Forecast, forecastPoint{Start: s.Time(len(s.Values) + i), Calls: v})
	}
	if *asJSON {
		return wfmWriteJSON(stdout, out)
	}
	if bt := out.Backtest; bt != nil {
		fmt.Fprintf(stdout, "backtest over %d days from %s (WAPE, lower is better):\n", bt.Days, bt.Start.Format(time.RFC3339))
		fmt.Fprintf(stdout, "  Holt-Winters    %.2f%%\n  seasonal-naive  %.2f%%\n", 100*bt.HoltWintersWAPE, 100*bt.SeasonalNaiveWAPE)
	}
	fmt.Fprintf(stdout, "Holt-Winters constants: alpha %.2f, delta (intraday) %.2f, omega (weekly) %.2f\n\n", out.Params.Alpha, out.Params.Delta, out.Params.Omega)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "start\tcalls\t")
	for _, p := range out.Forecast {
		fmt.Fprintf(tw, "%s\t%.1f\t\n", p.Start.Format(time.RFC3339), p.Calls)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

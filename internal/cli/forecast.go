package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/wfm"
)

const forecastHelp = `Usage: plateau forecast --csv FILE --interval 30m [--backtest-days 7] [--horizon-days 7] [--json]
       plateau forecast --db DSN --tenant ID [--queue ID] --from DATE --to DATE [flags]

Forecasts contact volumes with an additive double-seasonal Holt-Winters model
(intraday and weekly seasons, constants chosen by grid search) and reports a
backtest: both Holt-Winters and seasonal-naive (same interval last week) are
trained on all but the last --backtest-days days and judged on them by WAPE =
sum |actual - forecast| / sum actual. Then the model is refitted on the whole
history and forecasts --horizon-days days after it.

--csv has lines "start,calls" (RFC 3339 start, a header line allowed);
missing intervals count as zero. Holt-Winters needs two weeks of training;
under four weeks of history the forecast is said to be unreliable.

--format csv writes the forecast as "start,calls,aht_seconds" lines (with
--aht, the handle time to staff with): what "plateau staff --csv" reads,
whose "--format csv" output "plateau schedule --requirements" reads:
  plateau forecast --csv history.csv --aht 4m --format csv > forecast.csv
  plateau staff --csv forecast.csv --sl 80/20 --format csv > needs.csv
  plateau schedule --requirements needs.csv --config sites.json
--db reads the interaction history of a Plateau database instead (a SQLite
file or a postgres:// URL): arrivals of the tenant (and queue) counted per
interval from --from to --to (dates YYYY-MM-DD, UTC, --to excluded).

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

func runForecast(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("forecast", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), forecastHelp)
		fs.PrintDefaults()
	}
	csvFile := fs.String("csv", "", "CSV of start,calls lines")
	interval := fs.Duration("interval", 30*time.Minute, "interval length (must divide a day)")
	backtestDays := fs.Int("backtest-days", 7, "days held out for the backtest (0: none)")
	horizonDays := fs.Int("horizon-days", 7, "days to forecast after the history")
	asJSON := fs.Bool("json", false, "print JSON (same as --format json)")
	format := fs.String("format", "text", "text, json or csv (start,calls,aht_seconds lines for plateau staff --csv; needs --aht)")
	aht := fs.Duration("aht", 0, "with --format csv: the average handle time written on every line, e.g. 180s")
	dsn := fs.String("db", "", "read the history from this database instead of --csv")
	tenant := fs.Int64("tenant", 0, "with --db: the tenant")
	queue := fs.Int64("queue", 0, "with --db: the queue (0: all the tenant's queues)")
	fromFlag := fs.String("from", "", "with --db: first day of history, YYYY-MM-DD")
	toFlag := fs.String("to", "", "with --db: day after the last, YYYY-MM-DD")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*csvFile == "") == (*dsn == "") {
		return errors.New("give exactly one of --csv and --db")
	}
	if err := checkFormat(*format, asJSON); err != nil {
		return err
	}
	if *asJSON {
		*format = "json"
	}
	if *format == "csv" && *aht <= 0 {
		return errors.New("--format csv needs --aht, the handle time plateau staff computes with (e.g. --aht 180s)")
	}
	if *backtestDays < 0 || *horizonDays < 0 {
		return errors.New("--backtest-days and --horizon-days must be >= 0")
	}
	var s wfm.Series
	var err error
	if *dsn != "" {
		s, err = historySeries(ctx, *dsn, *tenant, *queue, *fromFlag, *toFlag, *interval)
	} else {
		s, err = csvSeries(*csvFile, *interval)
	}
	if err != nil {
		return err
	}
	perDay, err := s.PerDay()
	if err != nil {
		return err
	}
	if days := len(s.Values) / perDay; days < minReliableDays {
		fmt.Fprintf(stderr, "warning: only %d days of history: a weekly pattern seen %d times is a weak basis, the forecast is unreliable (%d days or more recommended)\n",
			days, days/7, minReliableDays)
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
	switch *format {
	case "json":
		return wfmWriteJSON(stdout, out)
	case "csv":
		return forecastCSV(stdout, out.Forecast, *aht)
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

// minReliableDays is the history under which a forecast is said to be
// unreliable: four weeks, each weekday seen four times.
const minReliableDays = 28

// forecastCSV writes the forecast as "start,calls,aht_seconds" lines, for
// plateau staff --csv; a negative forecast (a trend run down) is written 0.
func forecastCSV(w io.Writer, points []forecastPoint, aht time.Duration) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"start", "calls", "aht_seconds"})
	for _, p := range points {
		cw.Write([]string{p.Start.Format(time.RFC3339), strconv.FormatFloat(max(0, p.Calls), 'f', 2, 64), strconv.FormatFloat(aht.Seconds(), 'f', -1, 64)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

func csvSeries(path string, interval time.Duration) (wfm.Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return wfm.Series{}, fmt.Errorf("open CSV: %w", err)
	}
	defer f.Close()
	s, err := wfm.ReadSeriesCSV(f, interval)
	if err != nil {
		return wfm.Series{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// historySeries counts a tenant's arrivals per interval from the database.
func historySeries(ctx context.Context, dsn string, tenant, queue int64, from, to string, interval time.Duration) (wfm.Series, error) {
	if tenant <= 0 {
		return wfm.Series{}, errors.New("--db needs --tenant")
	}
	start, err1 := time.Parse(time.DateOnly, from)
	end, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || !end.After(start) {
		return wfm.Series{}, fmt.Errorf("--from %q and --to %q must be dates YYYY-MM-DD, --to after --from", from, to)
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return wfm.Series{}, err
	}
	defer st.Close()
	arrivals, err := st.ArrivalTimes(ctx, tenant, queue, start, end)
	if err != nil {
		return wfm.Series{}, err
	}
	return wfm.SeriesFromArrivals(arrivals, start, end, interval)
}

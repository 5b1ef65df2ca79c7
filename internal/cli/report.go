package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
)

const reportHelp = `Usage:
  plateau report queues|agents|ewt|satisfaction|sites --db DSN --tenant ID --from DATE --to DATE [flags]
  plateau report rebuild --db DSN [--tenant ID] [--from DATE --to DATE]

queues, agents, ewt, satisfaction and sites print a report of a tenant over
the days from --from to --to (YYYY-MM-DD, both included, in each queue's
time zone), from the rollups the server keeps; --csv prints CSV (the API's
fields), otherwise a table. The figures are defined in internal/kpi (see the
README's definitions).

rebuild recomputes the rollups from the raw records (every tenant without
--tenant; the whole history without --from/--to), a day per transaction:
after a restore from backup, a change of definitions or a bug fix. A
server may keep running meanwhile.

DSN is a SQLite path or postgres://... as for plateau serve --db.

Flags:
`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), reportHelp)
		fs.PrintDefaults()
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return parse(fs, args) // -h prints the help; anything else is a usage error
	}
	what, args := args[0], args[1:]
	dsn := fs.String("db", "", "the database (SQLite path or postgres://...)")
	tenant := fs.Int64("tenant", 0, "the tenant")
	from := fs.String("from", "", "first day, YYYY-MM-DD")
	to := fs.String("to", "", "last day, YYYY-MM-DD (included)")
	group := fs.String("group", "day", "interval, hour, day, week or month")
	queue := fs.Int64("queue", 0, "only this queue")
	channel := fs.String("channel", "", "only voice or chat")
	agent := fs.Int64("agent", 0, "agents: only this agent")
	asCSV := fs.Bool("csv", false, "print CSV")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dsn == "" {
		return errors.New("--db is required")
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if what == "rebuild" {
		return rebuild(ctx, st, *tenant, *from, *to, stdout)
	}
	if *tenant <= 0 {
		return errors.New("--tenant is required")
	}
	req := report.Request{TenantID: *tenant, From: *from, To: *to, Group: report.Group(*group), QueueID: *queue,
		AgentID: *agent}
	req.Channel = model.Channel(*channel)
	// A report reads the rollups: apply what is pending first, so that a
	// report printed while no server runs is up to date too.
	if _, err := report.NewUpkeep(st, slog.New(slog.DiscardHandler), time.Hour, 1000).Drain(ctx); err != nil {
		return err
	}
	var rows any
	switch what {
	case "queues":
		r, err := report.Queues(ctx, st, req)
		if err != nil {
			return err
		}
		rows = append(r.Rows, r.Total)
	case "agents":
		r, err := report.Agents(ctx, st, req)
		if err != nil {
			return err
		}
		rows = r.Rows
	case "ewt":
		r, err := report.EWT(ctx, st, req)
		if err != nil {
			return err
		}
		rows = append(r.Rows, r.ByPosition...)
	case "satisfaction":
		r, err := report.Satisfaction(ctx, st, req)
		if err != nil {
			return err
		}
		rows = append(r.Rows, r.Total)
	case "sites":
		r, err := report.Sites(ctx, st, req)
		if err != nil {
			return err
		}
		rows = append(r.Rows, r.ByCountry...)
	default:
		return fmt.Errorf("unknown report %q: want queues, agents, ewt, satisfaction, sites or rebuild", what)
	}
	if *asCSV {
		return report.WriteCSV(stdout, rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	if err := report.WriteTable(tw, rows, tableColumns[what]); err != nil {
		return err
	}
	return tw.Flush()
}

// tableColumns are the columns a report's table shows (CSV has them all).
var tableColumns = map[string][]string{
	"queues": {"period", "queue", "offered", "answered", "abandoned", "short_abandoned", "service_level", "answer_rate",
		"asa_seconds", "max_wait_seconds", "aht_seconds", "callbacks_requested", "csat_mean"},
	"agents":       {"period", "agent", "site", "login_seconds", "ready_seconds", "not_ready_seconds", "occupancy", "handled", "aht_seconds", "rona"},
	"ewt":          {"period", "queue", "position", "contacts", "mae_seconds", "bias_seconds", "within_30s", "within_25pct", "told_no_agent"},
	"satisfaction": {"period", "queue", "answered", "csat_responses", "response_rate", "csat_mean", "distribution"},
	"sites":        {"period", "site", "country", "kind", "handled", "handled_hours", "login_hours"},
}

func rebuild(ctx context.Context, st *store.Store, tenant int64, from, to string, stdout io.Writer) error {
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Now().Add(48 * time.Hour)
	var err error
	if from != "" {
		if start, err = time.Parse(time.DateOnly, from); err != nil {
			return fmt.Errorf("--from %q: want YYYY-MM-DD", from)
		}
		start = start.Add(-14 * time.Hour) // the earliest local midnight of that day
	}
	if to != "" {
		if end, err = time.Parse(time.DateOnly, to); err != nil {
			return fmt.Errorf("--to %q: want YYYY-MM-DD", to)
		}
		end = end.Add(24*time.Hour + 12*time.Hour) // the latest local midnight after it
	}
	if !start.Before(end) {
		return errors.New("--from must not be after --to")
	}
	tenants := []int64{tenant}
	if tenant == 0 {
		list, err := st.ListTenants(ctx)
		if err != nil {
			return err
		}
		tenants = tenants[:0]
		for _, t := range list {
			tenants = append(tenants, t.ID)
		}
	}
	if from == "" {
		if first, ok, err := st.FirstArrival(ctx); err != nil {
			return err
		} else if ok {
			start = first
		} else {
			start = end.Add(-24 * time.Hour)
		}
	}
	for _, t := range tenants {
		began := time.Now()
		stats, err := report.Rebuild(ctx, st, t, start, end)
		if err != nil {
			return fmt.Errorf("tenant %d: %w", t, err)
		}
		fmt.Fprintf(stdout, "tenant %d: %d contacts and %d agent state stretches over %d days rebuilt in %v\n",
			t, stats.Contacts, stats.StateSpans, stats.Days, time.Since(began).Round(time.Millisecond))
	}
	return nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/loadtest"
)

const loadtestHelp = `Usage: plateau loadtest chat [flags]

Drives a running Plateau server (plateau demo prints its URL and an admin
token) over real WebSockets: --customers customers open the chat entry point
at --rate per second and wait; --agents bots, created through the REST API
with --admin-token, answer them. Reports the achieved arrival rate, p50/p99
from connect to the first position message and to an agent, the server's
memory per waiting chat (from its /metrics), errors, and a bare WebSocket
echo server measured in this process at the same rate, as a baseline.

Flags:
`

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "chat" {
		fmt.Fprint(stderr, loadtestHelp)
		return errors.New("loadtest: say which: chat")
	}
	fs := newFlagSet("loadtest chat", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadtestHelp); fs.PrintDefaults() }
	var cfg loadtest.ChatConfig
	fs.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8080", "the server")
	fs.StringVar(&cfg.Entry, "entry", "demo", "chat entry point")
	fs.IntVar(&cfg.Customers, "customers", 1000, "customers")
	fs.Float64Var(&cfg.Rate, "rate", 500, "new customers per second")
	fs.IntVar(&cfg.Agents, "agents", 0, "agent bots")
	fs.StringVar(&cfg.AdminToken, "admin-token", "", "platform admin API token (for --agents)")
	fs.DurationVar(&cfg.Handle, "handle", 10*time.Second, "mean handle time of the bots")
	fs.DurationVar(&cfg.Hold, "hold", 2*time.Second, "keep everyone connected this long after the last arrival")
	fs.BoolVar(&cfg.EchoBaseline, "echo-baseline", true, "also measure a bare WebSocket echo server")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	res, err := loadtest.RunChat(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return wfmWriteJSON(stdout, res)
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "customers\t%d (queued %d, answered %d, errors %d)\n", res.Customers, res.Queued, res.Connected, res.Errors)
	if res.FirstError != "" {
		fmt.Fprintf(tw, "first error\t%s\n", res.FirstError)
	}
	fmt.Fprintf(tw, "arrivals\t%.0f/s\n", res.ArrivalRate)
	fmt.Fprintf(tw, "connect → position\tp50 %s, p99 %s, max %s\n", ms(res.ToPosition.P50), ms(res.ToPosition.P99), ms(res.ToPosition.Max))
	if res.ToConnected.N > 0 {
		fmt.Fprintf(tw, "connect → agent\tp50 %s, p99 %s (%d answered)\n", ms(res.ToConnected.P50), ms(res.ToConnected.P99), res.ToConnected.N)
	}
	fmt.Fprintf(tw, "server memory\t%.1f MB → %.1f MB with %d waiting: %.1f KB per waiting chat (Go heap %.1f KB)\n",
		float64(res.RSSBefore)/1e6, float64(res.RSSPeak)/1e6, res.PeakWaiting, res.BytesPerChat/1024, res.HeapPerChat/1024)
	if res.Echo.N > 0 {
		fmt.Fprintf(tw, "baseline: bare WebSocket echo\tp50 %s, p99 %s over %d connections at %.0f/s\n", ms(res.Echo.P50), ms(res.Echo.P99), res.Echo.N, res.EchoRate)
	}
	return tw.Flush()
}

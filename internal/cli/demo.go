package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/server"
	"github.com/plateau-cc/plateau/internal/sim"
	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/store"
)

const demoHelp = `Usage: plateau demo [flags]

Runs a Plateau server (as plateau serve, on 127.0.0.1:8080 by default) with
a demo tenant: two chat queues (Support, Sales), skills, six agents and a
supervisor whose passwords it prints, the chat entry points "demo" and
"demo-sales", and a platform admin API token. It also serves SIP on
127.0.0.1:5060 (--sip ADDR, or --sip off): entry number 1000 reaches the
voice support queue, and agents' phones register with the SIP passwords it
prints; entry number 1001 has a voice menu (1 support, 2 sales, 0 an
advisor). --agent-bots N adds virtual agents that accept offers, answer and
wrap up after a random handle time; they answer calls too, on a phone that
sends a tone and then echoes the caller.

On first run the demo tenant also gets a past: --history days (14 by
default, 0 for none) of chats played through Plateau's live center under a
virtual clock (shifts, breaks, waits, abandons, callbacks, missed offers,
surveys), so that the reports show real figures at once.

--morning instead narrates a simulated morning (08:00-13:00) in a small
center on Plateau's real routing engine under a virtual clock, and exits.

Flags:
`

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, demoHelp); fs.PrintDefaults() }
	seed := fs.Uint64("seed", 2026, "random seed (--morning)")
	morning := fs.Bool("morning", false, "narrate a simulated morning and exit")
	narrate := fs.Duration("narrate", 20*time.Minute, "with --morning: narrate every event for this long, then summarise")
	bots := fs.Int("agent-bots", 0, "virtual agents answering chats")
	handle := fs.Duration("bot-handle", 20*time.Second, "mean handle time of the virtual agents (each between half and 1.5 times it)")
	history := fs.Int("history", server.DemoHistoryDays, "days of past played on first run (0: none)")
	cfg, err := server.Load(fs, args, os.Getenv)
	if err != nil {
		return usageOr(err)
	}
	if cfg.SIP.Addr == "" {
		cfg.SIP.Addr = server.DemoSIPAddr
	}
	if cfg.SIP.MaxCalls == 0 {
		// The demo is what `plateau loadtest sip` is pointed at: room for
		// its 1,000 concurrent calls (serve keeps sip.DefaultMaxCalls).
		cfg.SIP.MaxCalls = server.DemoMaxCalls
	}
	if !*morning {
		return demoServer(ctx, cfg, *bots, *handle, *history, stdout, stderr)
	}
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	until := start.Add(*narrate)
	staff := []int{3, 5, 6, 7, 8, 8, 7, 6, 5, 5}
	simCfg := sim.Config{
		Seed: *seed, Start: start, Interval: 30 * time.Minute, Intervals: len(staff),
		Rates:    []float64{15, 25, 32, 38, 40, 38, 32, 28, 24, 20},
		Staff:    staff,
		Handle:   sim.LogNormal{Avg: 4 * time.Minute, CV: 0.8},
		Patience: sim.Exponential{Avg: 4 * time.Minute},
		Queue: acd.QueueConfig{Channel: acd.Voice, SLThreshold: 20 * time.Second, SLTarget: 0.8,
			WrapUp: 30 * time.Second, OfferTimeout: 15 * time.Second},
		OnEvent: func(ev acd.Event) {
			if ev.At.Before(until) {
				if line := narrateEvent(ev); line != "" {
					fmt.Fprintf(stdout, "%s  %s\n", ev.At.Format("15:04:05"), line)
				}
			}
		},
	}
	fmt.Fprintf(stdout, "A morning at a small center: support line, %d to %d agents, calls from 08:00.\n\n", slices.Min(staff), slices.Max(staff))
	res, err := sim.Run(simCfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n... and so on until 13:00. Every half hour:\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "from\tagents\tcalls\tanswered\tabandoned\tservice level (20s)\tASA\toccupancy\t")
	for i, s := range res.Intervals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.0f%%\t%.0fs\t%.0f%%\t\n",
			start.Add(time.Duration(i)*simCfg.Interval).Format("15:04"), staff[i], s.Offered, s.Answered, s.Abandoned,
			100*s.ServiceLevel(), s.ASA().Seconds(), 100*s.Occupancy())
	}
	t := res.Total
	fmt.Fprintf(tw, "morning\t\t%d\t%d\t%d\t%.0f%%\t%.0fs\t%.0f%%\t\n", t.Offered, t.Answered, t.Abandoned,
		100*t.ServiceLevel(), t.ASA().Seconds(), 100*t.Occupancy())
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nTry: plateau simulate -h, plateau staff -h, plateau schedule -h.")
	return nil
}

func narrateEvent(ev acd.Event) string {
	switch ev.Kind {
	case acd.EvQueued:
		if ev.EWT == 0 {
			return fmt.Sprintf("call %d arrives: an agent is free", ev.Contact)
		}
		return fmt.Sprintf("call %d arrives: position %d, expected wait %v", ev.Contact, ev.Position, ev.EWT.Round(time.Second))
	case acd.EvOffered:
		return fmt.Sprintf("call %d rings agent %d", ev.Contact, ev.Agent)
	case acd.EvConnected:
		return fmt.Sprintf("agent %d answers call %d after %v (announced %v)", ev.Agent, ev.Contact, ev.Wait.Round(time.Second), ev.EWT.Round(time.Second))
	case acd.EvAbandoned:
		return fmt.Sprintf("call %d hangs up after waiting %v", ev.Contact, ev.Wait.Round(time.Second))
	case acd.EvEnded:
		return fmt.Sprintf("agent %d ends call %d and wraps up", ev.Agent, ev.Contact)
	case acd.EvAgentState:
		switch ev.State {
		case acd.StateReady:
			return fmt.Sprintf("agent %d is ready", ev.Agent)
		case acd.StateLoggedOut:
			return fmt.Sprintf("agent %d logs out", ev.Agent)
		}
	}
	return ""
}

// demoServer runs the server with the demo tenant and optional bots.
func demoServer(ctx context.Context, cfg server.Config, bots int, handle time.Duration, history int, stdout, stderr io.Writer) error {
	logger := newLogger(cfg, stderr)
	server.StartProcess(logger)
	var demo server.Demo
	var botUsers []server.DemoUser
	var sipAccounts []server.SIPAccount
	srv, err := server.Open(ctx, cfg, logger, func(ctx context.Context, st *store.Store) error {
		var err error
		if demo, err = server.SeedDemo(ctx, st); err != nil {
			return err
		}
		if err := playDemoHistory(ctx, cfg, st, demo, history, logger, stdout); err != nil {
			return err
		}
		if bots > 0 {
			if botUsers, err = server.EnsureBots(ctx, st, demo.Tenant, bots); err != nil {
				return err
			}
		}
		if cfg.SIP.Enabled() {
			realm := cfg.SIP.Realm
			if realm == "" {
				realm = sip.DefaultRealm
			}
			sipAccounts, err = server.EnsureVoiceDemo(ctx, st, demo.Tenant, realm)
		}
		return err
	})
	if err != nil {
		return err
	}
	base := "http://" + srv.Addr()
	ws := "ws://" + srv.Addr()
	fmt.Fprintf(stdout, "Plateau demo on %s\n\n", base)
	fmt.Fprintf(stdout, "  home page       %s/\n", base)
	fmt.Fprintf(stdout, "  chat demo page  %s/try/%s  (the widget: <script src=\"%s/widget.js\" data-entry=\"%s\" async></script>)\n", base, demo.EntryPoint, base, demo.EntryPoint)
	fmt.Fprintf(stdout, "  agent desktop   %s/agent\n", base)
	fmt.Fprintf(stdout, "  wallboard       %s/wallboard?tenant=%d\n", base, demo.Tenant.ID)
	fmt.Fprintf(stdout, "  admin pages     %s/admin\n", base)
	fmt.Fprintf(stdout, "  reports         %s/reports\n", base)
	fmt.Fprintf(stdout, "  commitments     %s/commitments\n", base)
	fmt.Fprintf(stdout, "  invoices        %s/invoices?tenant=%d\n", base, demo.Tenant.ID)
	fmt.Fprintf(stdout, "  barometer       %s/barometer, palmarès %s/palmares\n\n", base, base)
	fmt.Fprintf(stdout, "  REST API        %s/api/v1/  (OpenAPI: %s/api/v1/openapi.json)\n", base, base)
	fmt.Fprintf(stdout, "  customer chat   %s/chat/%s/ws  (and %s/chat/demo-sales/ws)\n", ws, demo.EntryPoint, ws)
	fmt.Fprintf(stdout, "  agent socket    %s/agent/ws\n", ws)
	sipPass := map[string]string{}
	if srv.SIP != nil {
		fmt.Fprintf(stdout, "  SIP             sip:%s@%s (UDP and TCP): the support line; agents' phones register as their login\n",
			server.DemoPhoneNumber, srv.SIP.Addr())
		fmt.Fprintf(stdout, "                  sip:%s@%s: a voice menu (1 support, 2 sales, 0 an advisor)\n", server.DemoMenuNumber, srv.SIP.Addr())
		for _, a := range sipAccounts {
			sipPass[a.Login] = a.Password
		}
	}
	fmt.Fprintf(stdout, "  health          %s/healthz, %s/readyz, %s/metrics\n\n", base, base, base)
	fmt.Fprintf(stdout, "  admin API token %s\n\n", demo.AdminToken)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  login\tpassword\trole\tSIP password\tname")
	for _, u := range demo.Users {
		sp := sipPass[u.Login]
		if sp == "" {
			sp = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", u.Login, u.Password, u.Role, sp, u.Name)
	}
	tw.Flush()
	if bots > 0 {
		fmt.Fprintf(stdout, "\n  %d agent bots (bot1..bot%d) answer chats after about %v.\n", bots, bots, handle)
	}
	fmt.Fprintln(stdout, "\nCtrl-C stops the server.")
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, u := range botUsers {
		go func() {
			if err := live.RunAgentBot(runCtx, ws+"/agent/ws", u.Login, u.Password, server.BotHandleTimes(handle), logger); err != nil && runCtx.Err() == nil {
				logger.Warn("agent bot stopped", "login", u.Login, "err", err)
			}
		}()
		if pw, ok := sipPass[u.Login]; ok && srv.SIP != nil {
			go func() {
				pc := sip.PhoneConfig{Server: srv.SIP.Addr().String(), Host: srv.SIP.Addr().Addr().String(), Username: u.Login, Password: pw,
					Logger: logger.With("part", "phone-bot", "login", u.Login)}
				if err := sip.RunPhoneBot(runCtx, pc); err != nil && runCtx.Err() == nil {
					logger.Warn("phone bot stopped", "login", u.Login, "err", err)
				}
			}()
		}
	}
	return srv.Run(ctx)
}

// playDemoHistory plays the demo tenant's past on first run. On SQLite it
// writes through a second handle with synchronous=normal: the past is
// made again by a new demo, and every commit fsynced would make it
// minutes instead of seconds.
func playDemoHistory(ctx context.Context, cfg server.Config, st *store.Store, demo server.Demo, days int, logger *slog.Logger, stdout io.Writer) error {
	if days <= 0 {
		return nil
	}
	hst := st
	if st.Dialect() == store.SQLite {
		var err error
		if hst, err = store.OpenWith(ctx, cfg.DSN(), store.Options{SQLiteSynchronous: "normal"}); err != nil {
			return err
		}
		defer hst.Close()
	}
	began := time.Now()
	res, err := server.PlayDemoHistory(ctx, hst, demo.Tenant, days, time.Now(), logger.With("part", "history"))
	if err != nil {
		return err
	}
	if res.Contacts > 0 {
		fmt.Fprintf(stdout, "Played %d days of past in %v: %d chats, %d answered, %d abandoned, %d surveys (see the reports).\n\n",
			days, time.Since(began).Round(100*time.Millisecond), res.Contacts, res.Answered, res.Abandoned, res.Surveys)
	}
	return nil
}

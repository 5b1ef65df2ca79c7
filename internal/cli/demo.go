package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/sim"
)

const demoHelp = `Usage: plateau demo [flags]

Narrates a simulated morning (08:00-13:00) in a small center: one support
queue, agents logging in and out with a staffing plan, customers calling,
waiting, being told their position and expected wait, hanging up when they
lose patience, and agents answering and wrapping up. The routing is
Plateau's real engine under a virtual clock.

Flags:
`

func runDemo(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, demoHelp); fs.PrintDefaults() }
	seed := fs.Uint64("seed", 2026, "random seed")
	narrate := fs.Duration("narrate", 20*time.Minute, "narrate every event for this long, then summarise")
	if err := parse(fs, args); err != nil {
		return err
	}
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	until := start.Add(*narrate)
	staff := []int{3, 5, 6, 7, 8, 8, 7, 6, 5, 5}
	cfg := sim.Config{
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
	res, err := sim.Run(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n... and so on until 13:00. Every half hour:\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "from\tagents\tcalls\tanswered\tabandoned\tservice level (20s)\tASA\toccupancy\t")
	for i, s := range res.Intervals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.0f%%\t%.0fs\t%.0f%%\t\n",
			start.Add(time.Duration(i)*cfg.Interval).Format("15:04"), staff[i], s.Offered, s.Answered, s.Abandoned,
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

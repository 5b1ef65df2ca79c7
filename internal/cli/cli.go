// Package cli holds the subcommands of the plateau binary.
//
// Each subcommand is a function that parses its own flags from args and
// writes to the given writers, so that tests can run it in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
)

// command is one subcommand of the plateau binary.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands returns the table of subcommands. It is built on each call so the
// package keeps no mutable state.
func commands() map[string]command {
	return map[string]command{
		"demo":     {"run a demo server (or narrate a simulated morning)", runDemo},
		"serve":    {"run the Plateau server", runServe},
		"loadtest": {"load-test a running server (chat, sip)", runLoadtest},
		"simulate": {"simulate the routing engine under a virtual clock", runSimulate},
		"staff":    {"agents needed per interval (Erlang C / Erlang A)", runStaff},
		"schedule": {"cover a staffing requirement with shifts across sites", runSchedule},
		"forecast": {"forecast contact volumes and backtest the models", runForecast},
		"report":   {"print a report over a period, or rebuild the rollups", runReport},
		"cluster":  {"show the nodes of a cluster and who owns which tenant", runCluster},
		"token":    {"create an API token (the first administrator's)", runToken},
	}
}

// errUsage marks an error already explained to the user by a flag set.
var errUsage = errors.New("usage")

// Run executes the subcommand named by args[0] and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "plateau: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := c.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // asked for: the help is not an error
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "plateau %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Plateau: an open-source contact-center platform.")
	fmt.Fprintln(w, "\nUsage: plateau <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'plateau <command> -h' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("plateau "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args with fs, mapping a parse failure to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %v\n", fs.Args())
		return errUsage
	}
	return nil
}

// usageOr maps a help request to flag.ErrHelp and returns other errors.
func usageOr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return flag.ErrHelp
	}
	return err
}

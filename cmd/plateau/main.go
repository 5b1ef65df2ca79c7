// Command plateau runs the Plateau contact-center platform.
// Every subcommand lives in internal/cli; see `plateau help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/plateau-cc/plateau/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

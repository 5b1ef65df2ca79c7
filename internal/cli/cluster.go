package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/server"
	"github.com/plateau-cc/plateau/internal/store"
)

const clusterHelp = `Usage: plateau cluster status --nats URLS [--db DSN] [--json]

Shows a cluster of plateau serve --nats nodes (docs/cluster.md): the live
nodes, which node owns which tenant, since when, and each lease's age; with
--db, the epoch the store has claimed for each tenant (the fencing epoch,
equal to the lease's once its owner runs it). The same as GET /api/v1/cluster.

`

func runCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cluster", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), clusterHelp)
		fs.PrintDefaults()
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return parse(fs, args)
	}
	what, args := args[0], args[1:]
	urls := fs.String("nats", "", "NATS URLs, comma-separated (env PLATEAU_NATS)")
	dsn := fs.String("db", "", "the cluster's database (postgres://...), for the claimed epochs")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if what != "status" {
		fs.Usage()
		return fmt.Errorf("cluster %s: unknown, want status: %w", what, errUsage)
	}
	if *urls == "" {
		return errors.New("--nats is required")
	}
	var st *store.Store
	if *dsn != "" {
		var err error
		if st, err = store.Open(ctx, *dsn); err != nil {
			return err
		}
		defer st.Close()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cs, err := server.ReadClusterStatus(ctx, *urls, st)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(cs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "lease TTL %gs\n\nNODE\tHTTP\tSTARTED\tSEEN\tTENANTS\n", cs.LeaseTTLSeconds)
	for _, n := range cs.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s ago\t%d\n", n.Node, n.HTTP, n.StartedAt.Format(time.RFC3339), time.Since(n.SeenAt).Round(time.Millisecond), n.Tenants)
	}
	fmt.Fprintf(tw, "\nTENANT\tOWNER\tSINCE\tLEASE AGE\tEPOCH\tSTORE EPOCH\n")
	for _, l := range cs.Leases {
		store := "-"
		if st != nil {
			store = fmt.Sprint(l.StoreEpoch)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.1fs\t%d\t%s\n", l.TenantID, l.Node, l.AcquiredAt.Format(time.RFC3339), l.AgeSeconds, l.Epoch, store)
	}
	return tw.Flush()
}

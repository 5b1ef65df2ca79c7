package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/plateau-cc/plateau/internal/store"
)

const tokenHelp = `Usage: plateau token create --db DSN [--name NAME] [--tenant ID]

Creates an API token in the database and prints it once (it is stored
hashed): the first platform administrator's token of a new installation
(plateau serve creates none), or a tenant administrator's with --tenant.
Use it as "Authorization: Bearer plt_..."; revoke it with DELETE
/api/v1/tokens/{id} (or .../tenants/{tid}/tokens/{id}).

`

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tokenHelp)
		fs.PrintDefaults()
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return parse(fs, args)
	}
	what, args := args[0], args[1:]
	dsn := fs.String("db", "", "the database (SQLite path or postgres://...)")
	name := fs.String("name", "operator", "what the token is for (shown in the token list and the audit log)")
	tenant := fs.Int64("tenant", 0, "a tenant administrator's token for this tenant (default: platform administrator)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if what != "create" {
		fs.Usage()
		return fmt.Errorf("token %s: unknown, want create: %w", what, errUsage)
	}
	if *dsn == "" {
		return errors.New("--db is required")
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	var tid *int64
	if *tenant != 0 {
		if _, err := st.GetTenant(ctx, *tenant); err != nil {
			return fmt.Errorf("tenant %d: %w", *tenant, err)
		}
		tid = tenant
	}
	tok, secret, err := st.CreateToken(ctx, tid, *name)
	if err != nil {
		return fmt.Errorf("create the token: %w", err)
	}
	scope := "platform administrator"
	if tid != nil {
		scope = fmt.Sprintf("administrator of tenant %d", *tid)
	}
	fmt.Fprintf(stderr, "token %d (%s, %s): shown once, keep it\n", tok.ID, tok.Name, scope)
	fmt.Fprintln(stdout, secret)
	return nil
}

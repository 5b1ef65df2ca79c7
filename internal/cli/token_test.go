package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestTokenCommand: plateau token create prints a token the store
// accepts, platform-wide or for one tenant; bad input is refused.
func TestTokenCommand(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "p.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	for _, tc := range []struct {
		args   []string
		tenant *int64
	}{
		{[]string{"token", "create", "--db", path}, nil},
		{[]string{"token", "create", "--db", path, "--tenant", "1", "--name", "acme ops"}, &ten.ID},
	} {
		var out, errOut bytes.Buffer
		if code := Run(ctx, tc.args, &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut.String())
		}
		secret := strings.TrimSpace(out.String())
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := st.LookupToken(ctx, secret)
		st.Close()
		if err != nil || (tok.TenantID == nil) != (tc.tenant == nil) || (tc.tenant != nil && *tok.TenantID != *tc.tenant) {
			t.Errorf("%v: token %q looked up as %+v (%v)", tc.args, secret, tok, err)
		}
	}
	for _, args := range [][]string{
		{"token", "create"}, // no --db
		{"token", "create", "--db", path, "--tenant", "99"}, // no such tenant
		{"token", "delete", "--db", path},                   // unknown
	} {
		var out, errOut bytes.Buffer
		if code := Run(ctx, args, &out, &errOut); code == 0 || out.Len() != 0 {
			t.Errorf("%v: exit %d, printed %q", args, code, out.String())
		}
	}
}

package store

import (
	"errors"
	"fmt"
	"testing"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		name    string
		dialect Dialect
		in      string
		want    string
	}{
		{"sqlite untouched", SQLite, "SELECT ? WHERE a = ?", "SELECT ? WHERE a = ?"},
		{"postgres numbered", Postgres, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{"no placeholders", Postgres, "SELECT 1", "SELECT 1"},
		{"quoted literal kept", Postgres, "SELECT '?' , \"q?\" FROM t WHERE x = ?", "SELECT '?' , \"q?\" FROM t WHERE x = $1"},
		{"escaped quote", Postgres, "SELECT 'it''s ?' WHERE x = ?", "SELECT 'it''s ?' WHERE x = $1"},
		{"ten and more", Postgres, "?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rebind(tc.dialect, tc.in); got != tc.want {
				t.Fatalf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestWrapErrMapping(t *testing.T) {
	plain := errors.New("boom")
	tests := []struct {
		name     string
		err      error
		deleting bool
		want     error
	}{
		{"other error kept", plain, false, plain},
		{"not found", fmt.Errorf("x: %w", ErrNotFound), false, ErrNotFound},
		{"conflict passes through", fmt.Errorf("%w: y", ErrConflict), true, ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := wrapErr(tc.err, tc.deleting, "do %s", "thing")
			if !errors.Is(got, tc.want) {
				t.Fatalf("wrapErr = %v, want %v in chain", got, tc.want)
			}
			if got.Error()[:9] != "do thing:" {
				t.Fatalf("message %q does not say what was being done", got)
			}
		})
	}
}

func TestOpenRejectsBadSQLitePath(t *testing.T) {
	if _, err := Open(t.Context(), "sqlite:/tmp/a?b.db"); err == nil {
		t.Fatal("path with '?' accepted")
	}
	if _, err := Open(t.Context(), t.TempDir()+"/missing-dir/x.db"); err == nil {
		t.Fatal("database in a missing directory accepted")
	}
}

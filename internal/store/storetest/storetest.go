// Package storetest opens throwaway stores for the tests of other
// packages: a SQLite file in the test's temporary folder, and a fresh
// PostgreSQL schema dropped after the test.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver

	"github.com/plateau-cc/plateau/internal/store"
)

// DefaultPostgres is the server tried when PLATEAU_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ForEachBackend runs fn as two parallel subtests, "sqlite" and "postgres".
// PostgreSQL's run is skipped when the server is unreachable, unless CI or
// PLATEAU_REQUIRE_POSTGRES=1 is set, where it fails.
func ForEachBackend(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t))
	})
}

// SQLite opens a store on a new file, closed after the test.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "plateau.db"))
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Postgres opens a store on a new schema, dropped after the test.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(ctx, PostgresDSN(t))
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// PostgresDSN creates a schema and returns a DSN whose search_path is it.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PLATEAU_TEST_POSTGRES")
	if dsn == "" {
		dsn = DefaultPostgres
	}
	required := os.Getenv("CI") != "" || os.Getenv("PLATEAU_REQUIRE_POSTGRES") == "1"
	unavailable := func(err error) {
		t.Helper()
		if required {
			t.Fatalf("PostgreSQL required (CI or PLATEAU_REQUIRE_POSTGRES=1) but unavailable: %v", err)
		}
		t.Skipf("PostgreSQL unavailable, skipping (set PLATEAU_TEST_POSTGRES): %v", err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		unavailable(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		unavailable(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "plt_t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", dsn, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// BenchContacts is a benchmark's number of contacts: PLATEAU_BENCH_CONTACTS
// when it is a positive number, else def.
func BenchContacts(def int) int {
	if n, err := strconv.Atoi(os.Getenv("PLATEAU_BENCH_CONTACTS")); err == nil && n > 0 {
		return n
	}
	return def
}

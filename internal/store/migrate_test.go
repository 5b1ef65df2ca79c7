package store

import (
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// TestMigrationsOutOfOrder: a database that applied 00001 and 00003 gets
// 00002 when it lands later (branches merged in another order than their
// numbers), and nothing is applied twice.
func TestMigrationsOutOfOrder(t *testing.T) {
	ctx := testCtx(t)
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	noErr(t, err, "open")
	t.Cleanup(func() { db.Close() })
	mig := func(table string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("-- +goose Up\nCREATE TABLE " + table + " (id INTEGER);\n-- +goose Down\nDROP TABLE " + table + ";\n")}
	}
	first := fstest.MapFS{"00001_a.sql": mig("mig_a"), "00003_c.sql": mig("mig_c")}
	noErr(t, migrateWith(ctx, db, SQLite, first), "first migrations")
	later := fstest.MapFS{"00001_a.sql": mig("mig_a"), "00002_b.sql": mig("mig_b"), "00003_c.sql": mig("mig_c")}
	noErr(t, migrateWith(ctx, db, SQLite, later), "the one that landed later")
	for _, table := range []string{"mig_a", "mig_b", "mig_c"} {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" (id) VALUES (1)"); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

// Package store is Plateau's durable storage: embedded SQLite by default,
// PostgreSQL when given a postgres:// DSN. Both dialects share every query
// (written with ? placeholders and rebound for PostgreSQL) and have their own
// versioned migrations, embedded and applied by Open.
//
// Every method that reads or changes a tenant's data takes the tenant ID and
// scopes its SQL by it; composite foreign keys (tenant_id, x_id) also keep a
// tenant's rows from referring to another tenant's. A row of another tenant is
// reported as ErrNotFound.
//
// Durability: a method returns only after its transaction is committed. On
// SQLite the database runs in WAL mode with synchronous=FULL by default, so a
// commit is fsynced to the WAL before it returns and survives a power loss as
// well as a process crash. Options.SQLiteSynchronous "normal" keeps the
// guarantee against a crash or kill -9 of the process, but a power loss may
// lose the last commits: an operator's choice, for many more commits per
// second on a slow disk. On PostgreSQL the server's own settings apply
// (synchronous_commit=on by default).
package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/plateau-cc/plateau/internal/model"
)

// Errors returned (wrapped) by the store; test them with errors.Is.
var (
	// ErrNotFound: no such row in the caller's tenant.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule was violated (duplicate login, entry
	// point address, name...), a row is still referenced by others, or the
	// change does not fit the row's current state.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input failed validation or refers to rows that do not
	// exist in the tenant. The model.ValidationError, when there is one, is
	// in the chain too.
	ErrInvalid = errors.New("invalid input")
	// ErrInvalidCredentials: unknown login or wrong password (not told apart).
	ErrInvalidCredentials = errors.New("invalid credentials")
)

// Dialect names the SQL flavour of a Store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Store is the handle on the database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
	group   *committer // SQLite: write transactions are group-committed
	// ordered runs the WriteQueue's writes: group on SQLite, lanes of
	// their own on PostgreSQL (made with the queue).
	ordered   []*committer
	maxConns  int // PostgreSQL: the pool's cap (the write lanes keep some)
	queueOnce sync.Once
	stmts     *stmtCache // SQLite: prepared statements, see stmtcache.go
}

// sqliteIdleConns is how many idle SQLite connections the pool keeps.
const sqliteIdleConns = 16

// DefaultPostgresConns caps the store's open PostgreSQL connections
// unless Options.PostgresConns says otherwise: past it a query waits for
// a free connection (within its context) instead of opening another.
// Without a cap a burst of calls opened one connection per concurrent
// setup and met the server's max_connections ("too many clients").
const DefaultPostgresConns = 20

// postgresIdleTime is how long an idle PostgreSQL connection is kept
// (the server's connections are shared with others).
const postgresIdleTime = time.Minute

// sqliteBusyTimeout is how long a SQLite connection waits for the write lock.
const sqliteBusyTimeout = 10 * time.Second

// Open connects to the database named by dsn and applies pending migrations.
//
//   - "" opens plateau.db in the working directory;
//   - "postgres://..." or "postgresql://..." uses PostgreSQL through pgx
//     (libpq-style query parameters such as sslmode or search_path apply);
//   - "sqlite:PATH" or any other string is a SQLite file path.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenWith(ctx, dsn, Options{})
}

// Options tune Open.
type Options struct {
	// SQLiteSynchronous is SQLite's synchronous setting in WAL mode: "full"
	// (the default: every commit is fsynced, and survives a power loss) or
	// "normal" (commits survive a crash or kill -9 of the process, and the
	// WAL is fsynced at checkpoints: a power loss may lose the last
	// commits, in exchange for many more commits per second).
	SQLiteSynchronous string
	// PostgresConns caps the open PostgreSQL connections (default
	// DefaultPostgresConns); an idle one is closed after postgresIdleTime.
	PostgresConns int
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opts Options) (*Store, error) {
	syncMode := "FULL"
	switch strings.ToLower(opts.SQLiteSynchronous) {
	case "", "full":
	case "normal":
		syncMode = "NORMAL"
	default:
		return nil, fmt.Errorf("open database: SQLite synchronous %q: want full or normal", opts.SQLiteSynchronous)
	}
	var (
		driver, source string
		dialect        Dialect
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		source, dialect = dsn, Postgres
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			path = "plateau.db"
		}
		if strings.ContainsRune(path, '?') {
			return nil, fmt.Errorf("open sqlite database %q: the path must not contain '?'", path)
		}
		q := url.Values{}
		q.Set("_busy_timeout", strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10))
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", syncMode)
		q.Set("_foreign_keys", "1")
		// Every transaction takes the write lock when it begins, so two
		// read-then-write transactions never fail with SQLITE_BUSY midway.
		q.Set("_txlock", "immediate")
		q.Set("_time_format", "sqlite")
		driver, source, dialect = "sqlite", path+"?"+q.Encode(), SQLite // driver from modernc.org/sqlite
	}
	var (
		db  *sql.DB
		err error
	)
	if dialect == Postgres {
		db, err = openPostgres(source)
	} else {
		db, err = sql.Open(driver, source)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	s := &Store{db: db, dialect: dialect, now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if dialect == Postgres {
		n := opts.PostgresConns
		if n <= 0 {
			n = DefaultPostgresConns
		}
		db.SetMaxOpenConns(n)
		s.maxConns = n
		// Idle connections are kept for a while, not capped: a cap under
		// the open ones closed and reopened connections through every
		// burst, and each new one prepared every statement again.
		db.SetMaxIdleConns(n)
		db.SetConnMaxIdleTime(postgresIdleTime)
	}
	if dialect == SQLite {
		// Keep the connections concurrent readers opened: a SQLite
		// connection is costly to open and holds its prepared statements
		// (database/sql keeps 2 idle by default: under load the others
		// were opened, prepared and closed again for each burst).
		db.SetMaxIdleConns(sqliteIdleConns)
		s.stmts = newStmtCache(db)
		s.group = newCommitter(s)
	}
	return s, nil
}

// Close releases the database.
func (s *Store) Close() error {
	for _, c := range s.ordered {
		if c != s.group {
			c.close()
		}
	}
	if s.group != nil {
		s.group.close()
	}
	if s.stmts != nil {
		s.stmts.close()
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s database: %w", s.dialect, err)
	}
	return nil
}

// Dialect reports which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB is the database handle, for its pool's figures (the server's
// go_sql_* metrics); the store's writes go through the store.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers (for health checks).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s database: %w", s.dialect, err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	p, err := s.migrations(ctx)
	if err != nil {
		return err
	}
	return up(ctx, p, s.dialect)
}

// up applies p's pending migrations. It first looks without the lock:
// a node starting on a database already migrated (a restart, a node
// joining) neither takes the migrations' lock nor waits for another's.
func up(ctx context.Context, p *goose.Provider, dialect Dialect) error {
	if pending, err := p.HasPending(ctx); err == nil && !pending {
		return nil
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply %s migrations: %w", dialect, err)
	}
	return nil
}

// migrations returns the migration provider of s's dialect.
func (s *Store) migrations(ctx context.Context) (*goose.Provider, error) {
	dir, err := fs.Sub(migrationFiles, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, fmt.Errorf("load %s migrations: %w", s.dialect, err)
	}
	return migrator(ctx, s.db, s.dialect, dir)
}

// migrateWith applies the migrations of dir to db.
func migrateWith(ctx context.Context, db *sql.DB, dialect Dialect, dir fs.FS) error {
	p, err := migrator(ctx, db, dialect, dir)
	if err != nil {
		return err
	}
	return up(ctx, p, dialect)
}

// migrator is the goose provider of dir's migrations on db.
func migrator(ctx context.Context, db *sql.DB, dialect Dialect, dir fs.FS) (*goose.Provider, error) {
	gooseDialect := goose.DialectSQLite3
	if dialect == Postgres {
		gooseDialect = goose.DialectPostgres
	}
	// Out of order: migrations are numbered when work starts and may land
	// in another order (00011 after 00014); a database that has applied
	// the later ones still gets the earlier one. Each migration only adds
	// what it names, so their order between branches does not matter.
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true)}
	if dialect == Postgres {
		// Nodes starting together on a new database: one applies the
		// migrations, the others wait for its session lock (an advisory
		// lock of the schema: tests' schemas share a database) and find
		// nothing left to do. Without it two nodes created the same
		// tables at once and one failed.
		var schema string
		if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, fmt.Errorf("prepare %s migrations: read the schema: %w", dialect, err)
		}
		h := fnv.New64a()
		h.Write([]byte("plateau migrations " + schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 600))
		if err != nil {
			return nil, fmt.Errorf("prepare %s migrations: %w", dialect, err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gooseDialect, db, dir, opts...)
	if err != nil {
		return nil, fmt.Errorf("prepare %s migrations: %w", dialect, err)
	}
	return p, nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs queries written with ? placeholders on a database or
// transaction, through prepared statements when it has a cache (see
// stmtcache.go).
type conn struct {
	q       querier
	dialect Dialect
	stmts   *stmtCache // nil: no statement is cached
	tx      *txStmts   // set inside a transaction with a cache
}

// uncached is c without the statement cache: for queries whose text
// varies with their input (lists of rows or ids), which would fill it.
func (c conn) uncached() conn {
	c.stmts, c.tx = nil, nil
	return c
}

// stmt returns the cached statement for query, or nil to run it unprepared.
// Rows that stay open are not cached inside a transaction (forRows).
func (c conn) stmt(ctx context.Context, query string, forRows bool) *sql.Stmt {
	switch {
	case c.stmts == nil:
		return nil
	case c.tx != nil:
		if forRows {
			return nil
		}
		return c.tx.get(ctx, query)
	}
	return c.stmts.get(ctx, query)
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = rebind(c.dialect, query)
	if st := c.stmt(ctx, query, false); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, query, args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = rebind(c.dialect, query)
	if st := c.stmt(ctx, query, true); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, query, args...)
}

// queryRow's row is read at once by Scan (always called right away), which
// closes it: the statement is free again before the next query.
func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = rebind(c.dialect, query)
	if st := c.stmt(ctx, query, false); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, query, args...)
}

// insert runs an INSERT and returns the new row's id.
func (c conn) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := c.queryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// execOne runs a statement that must touch exactly one row; zero rows is ErrNotFound.
func (c conn) execOne(ctx context.Context, query string, args ...any) error {
	res, err := c.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *Store) conn() conn { return conn{q: s.db, dialect: s.dialect, stmts: s.stmts} }

// txConn is the conn of a transaction of the store.
func (s *Store) txConn(tx *sql.Tx) conn {
	c := conn{q: tx, dialect: s.dialect}
	if s.stmts != nil {
		c.stmts, c.tx = s.stmts, newTxStmts(tx, s.stmts)
	}
	return c
}

// inTx runs fn in a transaction, committed if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(c conn) error) error {
	if s.group != nil {
		return s.group.run(ctx, fn)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(s.txConn(tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rebind turns ? placeholders into $1, $2... for PostgreSQL, leaving
// question marks inside quoted literals and identifiers alone.
func rebind(d Dialect, query string) string {
	if d != Postgres || !strings.ContainsRune(query, '?') {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// fail wraps err with what was being done, mapping "no rows" to ErrNotFound
// and constraint violations to ErrConflict or ErrInvalid. A violated foreign
// key means a bad reference (ErrInvalid) when writing a row, and a row still
// in use (ErrConflict) when deleting one.
func fail(err error, format string, args ...any) error {
	return wrapErr(err, false, format, args...)
}

func failDelete(err error, format string, args ...any) error {
	return wrapErr(err, true, format, args...)
}

func wrapErr(err error, deleting bool, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	switch classify(err) {
	case errNoRows:
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case errUnique:
		return fmt.Errorf("%s: %w: %w", what, ErrConflict, err)
	case errForeignKey:
		if deleting {
			return fmt.Errorf("%s: %w: still referenced: %w", what, ErrConflict, err)
		}
		return fmt.Errorf("%s: %w: refers to a missing row: %w", what, ErrInvalid, err)
	case errCheck:
		return fmt.Errorf("%s: %w: %w", what, ErrInvalid, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

type errClass int

const (
	errOther errClass = iota
	errNoRows
	errUnique
	errForeignKey
	errCheck
)

func classify(err error) errClass {
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return errUnique
		case "23503":
			return errForeignKey
		case "23514", "23502":
			return errCheck
		}
		return errOther
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errUnique
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return errForeignKey
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return errCheck
		}
		if sqErr.Code()&0xff == sqlite3.SQLITE_CONSTRAINT { // extended codes off
			msg := sqErr.Error()
			switch {
			case strings.Contains(msg, "UNIQUE constraint failed"):
				return errUnique
			case strings.Contains(msg, "FOREIGN KEY constraint failed"):
				return errForeignKey
			default:
				return errCheck
			}
		}
	}
	return errOther
}

// invalidInput wraps a validation failure.
func invalidInput(err error, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %w", fmt.Sprintf(format, args...), ErrInvalid, err)
}

// ts normalises a time for storage: UTC, microsecond precision (what
// PostgreSQL keeps), so that values read back compare equal.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTS stores a nil time as NULL.
func nullTS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// timePtr converts a scanned nullable time.
func timePtr(nt sql.NullTime) *time.Time {
	if !nt.Valid {
		return nil
	}
	t := nt.Time.UTC()
	return &t
}

func nullInt64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func int64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// toJSON encodes a nested list for a JSON text column; nil slices become "[]".
func toJSON[T any](v []T) (string, error) {
	if v == nil {
		v = []T{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// fromJSON decodes a JSON text column into a slice, never nil.
func fromJSON[T any](s string, column string) ([]T, error) {
	out := []T{}
	if s == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode column %s: %w", column, err)
	}
	return out, nil
}

// idList decodes a JSON list of ids such as "[3,12]" from column, by hand
// for that plain form (read for every contact of a search), else with
// encoding/json.
func idList(s string, column string) ([]int64, error) {
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		out := make([]int64, 0, 2)
		ok := true
		for body := s[1 : len(s)-1]; body != "" && ok; {
			item, rest, _ := strings.Cut(body, ",")
			n, err := strconv.ParseInt(item, 10, 64)
			ok = err == nil
			out, body = append(out, n), rest
		}
		if ok {
			return out, nil
		}
	}
	return fromJSON[int64](s, column)
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect reads every row with scan.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// checkSkillsExist returns ErrInvalid unless every id names a skill of the tenant.
func checkSkillsExist(ctx context.Context, c conn, tenantID int64, field string, ids []int64) error {
	return checkIDsExist(ctx, c, "skills", tenantID, field, ids)
}

// checkIDsExist returns ErrInvalid unless every id names a row of table in the tenant.
func checkIDsExist(ctx context.Context, c conn, table string, tenantID int64, field string, ids []int64) error {
	for _, id := range ids {
		var one int
		err := c.queryRow(ctx, "SELECT 1 FROM "+table+" WHERE tenant_id = ? AND id = ?", tenantID, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %w", ErrInvalid, model.Keyed(field, "missing_ref", model.Params{"id": id}, fmt.Sprintf("no %s %d in this tenant", strings.TrimSuffix(table, "s"), id)))
		}
		if err != nil {
			return fmt.Errorf("check %s %d: %w", strings.TrimSuffix(table, "s"), id, err)
		}
	}
	return nil
}

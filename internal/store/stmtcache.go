package store

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements. The SQLite driver prepares (parses and plans) a
// statement on every call that is not made on a prepared *sql.Stmt: under
// the chat load that was 12-20 % of the server's CPU. So on SQLite the
// query helpers of conn run every query through a *sql.Stmt prepared once
// per query text and kept until the store is closed (database/sql prepares
// it again on each pooled connection it is used on, once). Inside a
// transaction the statement is bound to it with Tx.StmtContext, which reuses
// what is already prepared on the transaction's connection; the bound
// statements are kept for the transaction's life (a group commit runs many
// jobs, each with the same few statements).
//
// conn.query inside a transaction is not cached: its rows stay open while
// the caller may run the same query text again on the same connection, and
// SQLite cannot step one prepared statement twice at once. Outside a
// transaction every call gets a free pooled connection, so that cannot
// happen.
//
// PostgreSQL is left alone: pgx caches prepared statements per connection
// itself.

// maxCachedStmts bounds the cache: queries built with a variable text
// (IN lists of any length) beyond it simply run unprepared.
const maxCachedStmts = 1000

// stmtCache holds the statements prepared on one *sql.DB, by query text
// (after rebinding).
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	closed bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt)}
}

// get returns the statement for query, preparing it on first use, or nil
// when it cannot be cached (cache full or closed, or the prepare failed:
// the caller then runs the query unprepared and reports its error).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := c.closed || len(c.stmts) >= maxCachedStmts
	c.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	// Prepared without the lock: preparing may wait for the database.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok { // prepared meanwhile by another call
		_ = st.Close()
		return prev
	}
	if c.closed || len(c.stmts) >= maxCachedStmts {
		_ = st.Close()
		return nil
	}
	c.stmts[query] = st
	return st
}

// len reports the number of cached statements.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stmts)
}

// close closes every statement; later gets return nil.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		_ = st.Close()
		delete(c.stmts, q)
	}
	c.closed = true
}

// txStmts holds the statements of a cache bound to one transaction.
type txStmts struct {
	tx    *sql.Tx
	cache *stmtCache
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newTxStmts(tx *sql.Tx, cache *stmtCache) *txStmts {
	return &txStmts{tx: tx, cache: cache, stmts: make(map[string]*sql.Stmt)}
}

// get returns query's statement bound to the transaction, or nil as
// stmtCache.get does. The statements are closed with the transaction.
func (t *txStmts) get(ctx context.Context, query string) *sql.Stmt {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st, ok := t.stmts[query]; ok {
		return st
	}
	parent := t.cache.get(ctx, query)
	if parent == nil {
		return nil
	}
	// Not bound to ctx: a statement that failed to bind keeps its error for
	// every later use, and it serves the transaction's other jobs too. It is
	// already prepared on the connection but for its first use there.
	st := t.tx.StmtContext(context.WithoutCancel(ctx), parent)
	t.stmts[query] = st
	return st
}

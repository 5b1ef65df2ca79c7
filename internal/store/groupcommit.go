package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Group commit. SQLite has one writer at a time, and with synchronous=FULL
// every commit waits for an fsync: one transaction per contact caps a
// server at a few hundred contacts a second on an ordinary disk. So on
// SQLite every write transaction goes through one committer, which takes
// the transactions waiting at that moment and runs them in one database
// transaction, each inside its own savepoint (a failing one is rolled back
// alone), then commits once. Every caller returns only after that commit:
// what it wrote is as durable as with a transaction of its own.

// maxGroup bounds the transactions committed together.
const maxGroup = 256

type txJob struct {
	ctx   context.Context
	fn    func(c conn) error
	err   error
	done  chan struct{}
	onErr func(error) // queued jobs: told of a failure (see WriteQueue)
	pipe  *pipeJob    // set when the job is one statement (see pipeline.go)
}

type committer struct {
	db      *sql.DB
	txConn  func(*sql.Tx) conn
	jobs    chan *txJob // buffered: a queued write waits for no commit
	wg      sync.WaitGroup
	closed  chan struct{}
	stopped chan struct{} // the loop has returned
	once    sync.Once
	commits atomic.Int64 // transactions committed (for tests and figures)
	// lane: the committer is a lane of a PostgreSQL WriteQueue. A group
	// first runs without savepoints (pipelined when every job is one
	// statement), and again with them only when one of its jobs failed
	// (see commit): each savepoint and its release are two round trips
	// a job. It keeps a connection of its own (pin, opened again after
	// a failure), so that its writes never wait for the pool behind the
	// requests they serve. SQLite's group is no lane: savepoints cost
	// nothing there, and it also runs the store's write transactions,
	// which may not be run twice.
	lane      bool
	pin       *sql.Conn
	retried   atomic.Int64 // lane groups run again with savepoints
	pipelined atomic.Int64 // groups committed pipelined (pipeline.go)
}

var errClosed = errors.New("store closed")

func newCommitter(s *Store) *committer {
	c := &committer{db: s.db, txConn: s.txConn, jobs: make(chan *txJob, maxGroup), closed: make(chan struct{}), stopped: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

// run executes fn in the next group and waits for its commit. Once
// submitted, a job is always waited for: its outcome is known.
func (c *committer) run(ctx context.Context, fn func(c conn) error) error {
	j := &txJob{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case c.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closed:
		return errClosed
	}
	return c.wait(j)
}

// wait returns a submitted job's outcome; a job still in the buffer when
// the loop stopped never ran.
func (c *committer) wait(j *txJob) error {
	select {
	case <-j.done:
		return j.err
	case <-c.stopped:
		select {
		case <-j.done:
			return j.err
		default:
			return errClosed
		}
	}
}

// queue submits fn without waiting for its commit: it runs after every
// job submitted before it, and onErr (when not nil) hears of its failure
// on the committer's goroutine. It blocks only while maxGroup jobs are
// waiting.
func (c *committer) queue(fn func(c conn) error, pipe *pipeJob, onErr func(error)) *txJob {
	j := &txJob{ctx: context.Background(), fn: fn, pipe: pipe, done: make(chan struct{}), onErr: onErr}
	select {
	case c.jobs <- j:
	case <-c.closed:
		j.err = errClosed
		close(j.done)
		if onErr != nil {
			onErr(errClosed)
		}
	}
	return j
}

func (c *committer) close() {
	c.once.Do(func() { close(c.closed) })
	c.wg.Wait()
	if c.pin != nil {
		_ = c.pin.Close()
		c.pin = nil
	}
}

// begin starts a group's transaction, on the pinned connection if the
// committer keeps one.
func (c *committer) begin(ctx context.Context) (*sql.Tx, error) {
	if !c.lane {
		return c.db.BeginTx(ctx, nil)
	}
	for try := 0; ; try++ {
		pin, err := c.pinned(ctx)
		if err != nil {
			return nil, err
		}
		tx, err := pin.BeginTx(ctx, nil)
		if err == nil {
			return tx, nil
		}
		c.unpin()
		if try == 1 {
			return nil, err
		}
	}
}

// pinned is the lane's own connection, opened if it has none.
func (c *committer) pinned(ctx context.Context) (*sql.Conn, error) {
	if c.pin == nil {
		pin, err := c.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		c.pin = pin
	}
	return c.pin, nil
}

// unpin drops the pinned connection after a failure: the next group
// opens another.
func (c *committer) unpin() {
	if c.pin != nil {
		_ = c.pin.Close()
		c.pin = nil
	}
}

func (c *committer) loop() {
	defer c.wg.Done()
	defer close(c.stopped)
	batch := make([]*txJob, 0, maxGroup)
	for {
		select {
		case j := <-c.jobs:
			batch = append(batch[:0], j)
		case <-c.closed:
			// What was queued before the close is still written.
			select {
			case j := <-c.jobs:
				batch = append(batch[:0], j)
			default:
				return
			}
		}
	gather:
		for len(batch) < maxGroup {
			select {
			case j := <-c.jobs:
				batch = append(batch, j)
			default:
				break gather
			}
		}
		c.commit(batch)
		clear(batch)
	}
}

// commit runs a group in one transaction and tells every job its outcome.
func (c *committer) commit(batch []*txJob) {
	if c.lane {
		allPipe := !slices.ContainsFunc(batch, func(j *txJob) bool { return j.pipe == nil })
		if allPipe && c.commitPipelined(batch) || !allPipe && c.commitAtOnce(batch) {
			return
		}
	}
	c.commitEach(batch)
}

// commitAtOnce runs the group's jobs one after the other in one
// transaction without savepoints and commits; false (the transaction
// rolled back, no job told) when a job failed, for commitEach to run the
// group again with each job in its savepoint. Only for jobs that may run
// twice (the WriteQueue's: each reads what it needs in its own run). A
// failed commit is not run again (whether it was stored is not known):
// every job hears of it, as in commitEach.
func (c *committer) commitAtOnce(batch []*txJob) bool {
	ctx := context.Background()
	tx, err := c.begin(ctx)
	if err != nil {
		return false
	}
	cn := c.txConn(tx)
	for _, j := range batch {
		if j.ctx.Err() != nil {
			_ = tx.Rollback()
			return false
		}
		if err := j.fn(cn); err != nil {
			_ = tx.Rollback()
			c.retried.Add(1)
			return false
		}
	}
	c.committed(batch, tx.Commit())
	return true
}

// committed tells a group run without savepoints the outcome of its
// commit. A failed commit is not run again (whether it was stored is not
// known): every job hears of it.
func (c *committer) committed(batch []*txJob, err error) {
	if err == nil {
		c.commits.Add(1)
	} else {
		c.unpin()
	}
	for _, j := range batch {
		if err != nil {
			j.err = fmt.Errorf("commit: %w", err)
			if j.onErr != nil {
				j.onErr(j.err)
			}
		}
		close(j.done)
	}
}

// commitEach runs a group in one transaction, each job in its own
// savepoint (a failing one is rolled back alone), and tells every job its
// outcome.
func (c *committer) commitEach(batch []*txJob) {
	finish := func(err error) {
		if err != nil {
			c.unpin() // the connection may be the cause
		}
		for _, j := range batch {
			if j.err == nil {
				j.err = err
			}
			if j.err != nil && j.onErr != nil {
				j.onErr(j.err)
			}
			close(j.done)
		}
	}
	tx, err := c.begin(context.Background())
	if err != nil {
		finish(fmt.Errorf("begin transaction: %w", err))
		return
	}
	cn := c.txConn(tx)
	ctx := context.Background()
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			continue
		}
		if _, err := cn.exec(ctx, "SAVEPOINT job"); err != nil {
			_ = tx.Rollback()
			finish(fmt.Errorf("savepoint: %w", err))
			return
		}
		if err := j.fn(cn); err != nil {
			j.err = err
			if _, err := cn.exec(ctx, "ROLLBACK TO SAVEPOINT job"); err != nil {
				_ = tx.Rollback()
				finish(fmt.Errorf("roll back to savepoint: %w", err))
				return
			}
		}
		if _, err := cn.exec(ctx, "RELEASE SAVEPOINT job"); err != nil {
			_ = tx.Rollback()
			finish(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		// Nothing of the group was stored, whatever each job did.
		for _, j := range batch {
			j.err = nil
		}
		finish(fmt.Errorf("commit: %w", err))
		return
	}
	c.commits.Add(1)
	finish(nil)
}

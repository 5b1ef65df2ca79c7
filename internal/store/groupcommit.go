package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
func (c *committer) queue(fn func(c conn) error, onErr func(error)) *txJob {
	j := &txJob{ctx: context.Background(), fn: fn, done: make(chan struct{}), onErr: onErr}
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
	finish := func(err error) {
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
	tx, err := c.db.BeginTx(context.Background(), nil)
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

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pipelined groups (PostgreSQL). Under load every round trip to the
// server also waits for both processes to be scheduled again: at 500
// calls a second on two cores a lane's group of 50 one-statement writes
// took 267 ms (about 5 ms a statement) when sent one by one.
// A group whose jobs are each one statement (pipeJob) is therefore sent
// at once: BEGIN, then every job's statement in one batch, then the
// follow-up statements their rows called for (the sums of the handled
// time) in a second batch, then COMMIT: four round trips for the group
// whatever its size. The statements are the ones the store runs one by
// one elsewhere (pgwrites.go); a job whose statement wrote nothing (a
// check failed) or any failure before the commit sends the whole group
// again job by job in savepoints, where each job says what went wrong.

// pipeJob is a queued write that is one statement.
type pipeJob struct {
	tenantID int64
	fence    Fence // nil: not fenced
	stmt     pipeStmt
	// read reads the statement's rows and returns the statement to run
	// after it (nil: none), or errNotAtOnce when it wrote nothing.
	read func(resultRows) (*pipeStmt, error)
}

var errNotAtOnce = errors.New("not written at once")

// commitPipelined runs a group of pipeJobs in one pipelined transaction
// on the pinned connection (every job has its pipe); false (nothing
// stored, no job told) when the group must run job by job.
func (c *committer) commitPipelined(batch []*txJob) bool {
	ctx := context.Background()
	pin, err := c.pinned(ctx)
	if err != nil {
		return false
	}
	committing := false
	err = pin.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection %T is not pgx's", dc)
		}
		tx, err := sc.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // after a commit it does nothing
		// The fenced tenants' epochs are read first, locked for the
		// transaction, as checkEpoch does for each write.
		type fenced struct{ tenant, epoch int64 }
		var epochs []fenced
		for _, j := range batch {
			if j.pipe.fence == nil || slices.ContainsFunc(epochs, func(f fenced) bool { return f.tenant == j.pipe.tenantID }) {
				continue
			}
			e, ok := j.pipe.fence.Epoch(j.pipe.tenantID)
			if !ok {
				return errNotAtOnce
			}
			epochs = append(epochs, fenced{j.pipe.tenantID, e})
		}
		b := &pgx.Batch{}
		for _, f := range epochs {
			b.Queue("SELECT epoch FROM tenant_epochs WHERE tenant_id = $1 FOR SHARE", f.tenant)
		}
		for _, j := range batch {
			b.Queue(rebind(Postgres, j.pipe.stmt.sql), j.pipe.stmt.args...)
		}
		br := tx.SendBatch(ctx, b)
		follows, err := readPipelined(br, batch, len(epochs), func(i int, cur int64) bool { return epochs[i].epoch == cur })
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if len(follows) > 0 {
			b = &pgx.Batch{}
			for _, st := range follows {
				b.Queue(rebind(Postgres, st.sql), st.args...)
			}
			br = tx.SendBatch(ctx, b)
			for range follows {
				tag, err := br.Exec()
				if err == nil && tag.RowsAffected() != 1 {
					err = errNotAtOnce
				}
				if err != nil {
					br.Close()
					return err
				}
			}
			if err := br.Close(); err != nil {
				return err
			}
		}
		committing = true
		return tx.Commit(ctx)
	})
	if err != nil && !committing {
		if !errors.Is(err, errNotAtOnce) {
			c.unpin()
		}
		c.retried.Add(1)
		return false
	}
	if err == nil {
		c.pipelined.Add(1)
	}
	c.committed(batch, err)
	return true
}

// readPipelined reads a pipelined group's results: nEpochs epochs (each
// checked by current), then each job's rows; it returns the follow-up
// statements.
func readPipelined(br pgx.BatchResults, batch []*txJob, nEpochs int, current func(i int, epoch int64) bool) ([]pipeStmt, error) {
	for i := range nEpochs {
		var cur int64
		if err := br.QueryRow().Scan(&cur); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil, errNotAtOnce
			}
			return nil, err
		}
		if !current(i, cur) {
			return nil, errNotAtOnce
		}
	}
	var follows []pipeStmt
	for _, j := range batch {
		rows, err := br.Query()
		if err != nil {
			return nil, err
		}
		follow, err := j.pipe.read(rows)
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return nil, err
		}
		if follow != nil {
			follows = append(follows, *follow)
		}
	}
	return follows, nil
}

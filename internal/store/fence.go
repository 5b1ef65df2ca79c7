package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Fencing (docs/cluster.md). With several nodes, each tenant's engine runs
// on the node holding the tenant's lease, whose epoch grows with every new
// owner. The node claims its epoch here (ClaimTenant) before it restores
// the tenant, and writes for the tenant with a context carrying its Fence
// (WithFence): such a write reads the tenant's epoch in its own
// transaction (PostgreSQL: FOR SHARE, so that a claim waits for the writes
// in flight and the writes after it see it; SQLite's single writer
// serialises them anyway) and is refused with ErrFenced unless the node
// still holds that very epoch. A node paused past its lease (GC, SIGSTOP,
// partition) that wakes up in the middle of its work therefore writes
// nothing more for the tenant.
//
// A context without a Fence (one node, the API's configuration writes, a
// customer's own messages at the edge) writes as before, with no extra
// query.

// ErrFenced: the write carried an epoch that is not the tenant's current
// one (another node owns the tenant now), or the node's Fence says it
// holds the tenant no longer.
var ErrFenced = errors.New("fenced: this node does not own the tenant")

// Fence tells the epoch of the lease this node holds on a tenant; false
// when it holds none.
type Fence interface {
	Epoch(tenantID int64) (int64, bool)
}

type fenceKey struct{}

// WithFence returns a context whose tenant writes carry f's epochs.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

func fenceOf(ctx context.Context) Fence {
	f, _ := ctx.Value(fenceKey{}).(Fence)
	return f
}

// tenantTx is inTx for a write of one tenant's data: with a Fence in ctx,
// the tenant's epoch is checked first, in the same transaction.
func (s *Store) tenantTx(ctx context.Context, tenantID int64, fn func(c conn) error) error {
	f := fenceOf(ctx)
	if f == nil {
		return s.inTx(ctx, fn)
	}
	epoch, ok := f.Epoch(tenantID)
	if !ok {
		return fmt.Errorf("tenant %d: %w", tenantID, ErrFenced)
	}
	return s.inTx(ctx, func(c conn) error {
		if err := s.checkEpoch(ctx, c, tenantID, epoch); err != nil {
			return err
		}
		return fn(c)
	})
}

func (s *Store) checkEpoch(ctx context.Context, c conn, tenantID, epoch int64) error {
	q := "SELECT epoch FROM tenant_epochs WHERE tenant_id = ?"
	if s.dialect == Postgres {
		q += " FOR SHARE"
	}
	var cur int64
	err := c.queryRow(ctx, q, tenantID).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("tenant %d: no epoch claimed, this node's is %d: %w", tenantID, epoch, ErrFenced)
	}
	if err != nil {
		return fmt.Errorf("check the epoch of tenant %d: %w", tenantID, err)
	}
	if cur != epoch {
		return fmt.Errorf("tenant %d: epoch %d is current, this node's is %d: %w", tenantID, cur, epoch, ErrFenced)
	}
	return nil
}

// ClaimTenant makes epoch the tenant's current one for node, if it is
// higher than the stored one; otherwise (a newer owner has claimed) it is
// ErrFenced. It waits for the writes of the previous epoch in flight: once
// it returns, none of them can commit any more, and a restore reads all
// that they wrote.
func (s *Store) ClaimTenant(ctx context.Context, tenantID, epoch int64, node string) error {
	err := s.inTx(ctx, func(c conn) error {
		if s.dialect == Postgres {
			// A write of the old epoch held by a paused node must not
			// hold the new owner up: give up, the manager tries again
			// (and the server ends the paused one's transaction, see
			// ClusterDSN).
			if _, err := c.exec(ctx, "SET LOCAL lock_timeout = '3s'"); err != nil {
				return err
			}
		}
		res, err := c.exec(ctx, `INSERT INTO tenant_epochs (tenant_id, epoch, node, claimed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET epoch = excluded.epoch, node = excluded.node, claimed_at = excluded.claimed_at
			WHERE tenant_epochs.epoch < excluded.epoch`, tenantID, epoch, node, ts(s.now()))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("a newer epoch is claimed: %w", ErrFenced)
		}
		return nil
	})
	if err != nil {
		return fail(err, "claim epoch %d of tenant %d", epoch, tenantID)
	}
	return nil
}

// TenantEpoch is a tenant's current epoch as claimed.
type TenantEpoch struct {
	TenantID  int64     `json:"tenant_id"`
	Epoch     int64     `json:"epoch"`
	Node      string    `json:"node"`
	ClaimedAt time.Time `json:"claimed_at"`
}

// TenantEpochs lists the claimed epochs by tenant.
func (s *Store) TenantEpochs(ctx context.Context) ([]TenantEpoch, error) {
	rows, err := s.conn().uncached().query(ctx, "SELECT tenant_id, epoch, node, claimed_at FROM tenant_epochs ORDER BY tenant_id")
	if err != nil {
		return nil, fail(err, "list tenant epochs")
	}
	out, err := collect(rows, func(r scanner) (TenantEpoch, error) {
		var e TenantEpoch
		err := r.Scan(&e.TenantID, &e.Epoch, &e.Node, &e.ClaimedAt)
		e.ClaimedAt = e.ClaimedAt.UTC()
		return e, err
	})
	if err != nil {
		return nil, fail(err, "list tenant epochs")
	}
	return out, nil
}

// fencedTenants is, for a batch of several tenants' rows written in one
// transaction c, whether a tenant's rows may be written: always without a
// Fence in ctx; with one, when the tenant's epoch is the one the node
// holds (the rows of the others are left out, the batch goes on).
func (s *Store) fencedTenants(ctx context.Context, c conn) func(tenantID int64) bool {
	f := fenceOf(ctx)
	if f == nil {
		return func(int64) bool { return true }
	}
	seen := map[int64]bool{}
	return func(tenantID int64) bool {
		ok, known := seen[tenantID]
		if !known {
			epoch, held := f.Epoch(tenantID)
			ok = held && s.checkEpoch(ctx, c, tenantID, epoch) == nil
			seen[tenantID] = ok
		}
		return ok
	}
}

// CloseTenantAgentStates is CloseAgentStates for one tenant: what a node
// taking the tenant over does (its agents were signed out with the
// previous owner). Fenced like the owner's other writes.
func (s *Store) CloseTenantAgentStates(ctx context.Context, tenantID int64, at time.Time) error {
	err := s.tenantTx(ctx, tenantID, func(c conn) error {
		_, err := c.exec(ctx, `UPDATE agent_states SET ended_at = CASE WHEN started_at > ? THEN started_at ELSE ? END
			WHERE tenant_id = ? AND ended_at IS NULL`, ts(at), ts(at), tenantID)
		return err
	})
	if err != nil {
		return fail(err, "close tenant %d's open agent states", tenantID)
	}
	return nil
}

// ClusterDSN is dsn for a node of a cluster: on PostgreSQL its sessions
// are ended by the server when idle in a transaction for 5 s
// (idle_in_transaction_session_timeout), so that a node paused in the
// middle of a fenced write (its epoch checked, not committed) releases its
// lock on the tenant's epoch and the new owner's claim goes through; the
// paused write is rolled back. A DSN that sets it already is kept.
func ClusterDSN(dsn string) string {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Get("idle_in_transaction_session_timeout") == "" {
		q.Set("idle_in_transaction_session_timeout", "5000")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

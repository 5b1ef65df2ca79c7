// Package cluster decides which node of a Plateau cluster runs each
// tenant's engine: a registry of live nodes and one lease per tenant in a
// NATS JetStream key-value bucket, spread by rendezvous hashing.
//
// The bucket keeps one value per key (history 1) and its max age is the
// lease TTL, so a key that is not rewritten within the TTL disappears: this
// works on nats-server 2.9.10 (Debian 12), which has no per-key TTL.
//
//   - node.NAME   {node, started_at, http}: rewritten by each node every
//     TTL/4; the nodes whose key is present are the live nodes.
//   - tenant.ID   {node, epoch, acquired_at}: the tenant's lease. It is
//     acquired with Create (create-if-absent) and renewed with Update
//     checked against the last revision; the revision Create returned is
//     the lease's epoch, kept in the value across renewals.
//
// A node holds a tenant until a renewal fails or its own clock passes the
// last successful renewal's send time plus TTL minus a margin, whichever
// comes first: Epoch then answers false at once, even when NATS cannot be
// reached, before the bucket can have let another node in. The epoch is
// what the store's fencing checks (store.ClaimTenant, store.WithFence).
package cluster

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Defaults.
const (
	DefaultBucket = "plateau_cluster"
	// DefaultTTL is short enough that a dead owner's tenants run again
	// within 10 s of its death (the lease ages out at most a TTL after
	// the kill, then about half a second for the takeover), long enough
	// that three renewals, TTL/4 apart, can be tried before the local
	// deadline (TTL - TTL/5). docs/cluster.md derives it.
	DefaultTTL = 8 * time.Second
)

// A lease of another node is read again just after it can have aged out
// (its last write plus the TTL, plus expiryGrace), then every expiryRetry
// while the server has not removed it yet (nats-server removes expired
// messages in batches, up to 250 ms apart), for at most expiryPatience.
// Those reads cost what a scan costs; past expiryPatience (a clock skewed
// from the servers') the scans every TTL/10 go on.
const (
	expiryGrace    = 20 * time.Millisecond
	expiryRetry    = 50 * time.Millisecond
	expiryPatience = time.Second
)

const (
	nodePrefix   = "node."
	tenantPrefix = "tenant."
)

// Options configure a Manager.
type Options struct {
	// Node is this node's name: letters, digits, '-' and '_'.
	Node string
	// HTTP is the node's advertised web address, shown by status.
	HTTP string
	// SIP is the node's advertised SIP address (host:port), "" without
	// SIP: where the other nodes send the calls of the tenants it owns.
	SIP string
	// Bucket is the key-value bucket's name; "" means DefaultBucket.
	Bucket string
	// TTL is the lease's lifetime; 0 means the bucket's when it exists
	// (a cluster made with another default keeps it), else DefaultTTL.
	// Every node of a cluster must use the same (the bucket is made with
	// the first one).
	TTL time.Duration
	// Replicas of the bucket (1 to 5); 0 means 1.
	Replicas int
	// Tenants lists the tenants to spread (the store's).
	Tenants func(ctx context.Context) ([]int64, error)
	// Acquired is called, from the manager's goroutine, when this node has
	// taken a tenant's lease: it claims the epoch in the store and starts
	// the tenant's engine. An error gives the lease back.
	Acquired func(ctx context.Context, tenantID, epoch int64) error
	// Lost is called, from the manager's goroutine, when this node no
	// longer holds a tenant (renewal refused or late, released, stopping).
	// Epoch already answers false by then.
	Lost   func(tenantID int64)
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Manager holds this node's leases. Epoch and Owns are safe for concurrent
// use; Run must be called once.
type Manager struct {
	kv     jetstream.KeyValue
	opts   Options
	ttl    time.Duration
	margin time.Duration
	// renewEvery is TTL/4: three renewals can be tried (at TTL/4, TTL/2,
	// 3TTL/4 after the last good one) before the deadline at TTL - TTL/5.
	renewEvery time.Duration
	log        *slog.Logger
	now        func() time.Time
	start      time.Time

	mu   sync.Mutex
	held map[int64]*lease // under mu
	last Status           // the last round's view of the bucket, under mu

	// Only touched by Run's goroutine.
	nodeRev uint64
	absent  map[int64]int // scans a tenant was seen without a lease
	// expiries are the earliest instants the other nodes' leases can age
	// out, as the last scan read them (their last write plus the TTL).
	expiries []time.Time
}

type lease struct {
	epoch    int64
	rev      uint64
	value    []byte
	deadline time.Time // Epoch answers false from then on
}

// NodeValue is a node key's value.
type NodeValue struct {
	Node      string    `json:"node"`
	StartedAt time.Time `json:"started_at"`
	HTTP      string    `json:"http,omitempty"`
	SIP       string    `json:"sip,omitempty"`
}

// LeaseValue is a tenant key's value.
type LeaseValue struct {
	Node       string    `json:"node"`
	Epoch      int64     `json:"epoch"`
	AcquiredAt time.Time `json:"acquired_at"`
}

// ValidNode reports whether name can name a node (a key's token).
func ValidNode(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Bucket opens the cluster's bucket, making it when absent.
func Bucket(ctx context.Context, js jetstream.JetStream, name string, ttl time.Duration, replicas int) (jetstream.KeyValue, error) {
	name = cmp.Or(name, DefaultBucket)
	kv, err := js.KeyValue(ctx, name)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("open cluster bucket %s: %w", name, err)
	}
	kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: 1, TTL: cmp.Or(ttl, DefaultTTL),
		Replicas: max(replicas, 1), Storage: jetstream.FileStorage, Description: "Plateau nodes and tenant leases"})
	if errors.Is(err, jetstream.ErrBucketExists) {
		kv, err = js.KeyValue(ctx, name) // another node made it meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("create cluster bucket %s: %w", name, err)
	}
	return kv, nil
}

// New opens (or makes) the bucket and returns a manager; Run starts it.
func New(ctx context.Context, js jetstream.JetStream, opts Options) (*Manager, error) {
	if !ValidNode(opts.Node) {
		return nil, fmt.Errorf("cluster: node name %q: want 1 to 64 letters, digits, '-' or '_'", opts.Node)
	}
	if opts.Tenants == nil {
		return nil, errors.New("cluster: Options.Tenants is required")
	}
	ttl := cmp.Or(opts.TTL, DefaultTTL)
	kv, err := Bucket(ctx, js, opts.Bucket, ttl, opts.Replicas)
	if err != nil {
		return nil, err
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("cluster bucket status: %w", err)
	}
	if opts.TTL == 0 && st.TTL() > 0 {
		// No TTL configured: the cluster's, as its first node made the
		// bucket (a cluster started before the default changed keeps
		// its TTL; docs/cluster.md says how to change it).
		ttl = st.TTL()
	}
	if st.TTL() > 0 && st.TTL() != ttl {
		return nil, fmt.Errorf("cluster: the bucket %s has a TTL of %s, this node %s: every node must use the same", kv.Bucket(), st.TTL(), ttl)
	}
	m := &Manager{kv: kv, opts: opts, ttl: ttl, margin: ttl / 5, renewEvery: ttl / 4, log: opts.Logger, now: opts.Now,
		held: map[int64]*lease{}, absent: map[int64]int{}}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.start = m.now()
	return m, nil
}

// Node is this node's name.
func (m *Manager) Node() string { return m.opts.Node }

// TTL is the lease's lifetime.
func (m *Manager) TTL() time.Duration { return m.ttl }

// RenewEvery is how often the node rewrites its registry entry and its
// leases.
func (m *Manager) RenewEvery() time.Duration { return m.renewEvery }

// KV is the cluster's bucket.
func (m *Manager) KV() jetstream.KeyValue { return m.kv }

// Epoch returns the epoch of this node's lease on the tenant, and false
// when it holds none (or no longer: its renewal is late).
func (m *Manager) Epoch(tenantID int64) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.held[tenantID]
	if l == nil || !m.now().Before(l.deadline) {
		return 0, false
	}
	return l.epoch, true
}

// Owns reports whether this node holds the tenant's lease now.
func (m *Manager) Owns(tenantID int64) bool {
	_, ok := m.Epoch(tenantID)
	return ok
}

// LastStatus is the bucket as the last round read it (at most TTL/10 old
// while Run runs): what edges use to find a tenant's owner without asking
// NATS on every request.
func (m *Manager) LastStatus() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// Held lists the tenants this node holds, sorted.
func (m *Manager) Held() []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var ids []int64
	for id, l := range m.held {
		if now.Before(l.deadline) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Run keeps the node's key and leases until ctx is done, then gives every
// lease back (so that the others take them at once rather than after the
// TTL) and removes the node's key. It renews every TTL/4 and looks for
// leases to take every TTL/10, and just after each lease of another node
// can have aged out (its last write plus the TTL), so that a dead node's
// tenants are taken as soon as the bucket lets them go.
func (m *Manager) Run(ctx context.Context) error {
	renewEvery, scanEvery := m.renewEvery, max(m.ttl/10, 50*time.Millisecond)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var renewed time.Time
	for {
		select {
		case <-ctx.Done():
			m.shutdown()
			return nil
		case <-timer.C:
		}
		now := m.now()
		renew := now.Sub(renewed) >= renewEvery
		if renew {
			renewed = now
		}
		m.step(ctx, renew)
		// Wake before the earliest deadline too, to report a loss on time,
		// and when another node's lease can have aged out.
		now = m.now()
		wait := expiryWake(now, m.expiries, scanEvery)
		m.mu.Lock()
		for _, l := range m.held {
			wait = min(wait, max(l.deadline.Sub(now), 0))
		}
		m.mu.Unlock()
		timer.Reset(wait)
	}
}

// Step runs one round: renew the node's key and the leases, drop the late
// ones, release the tenants another live node should run, and try to
// acquire those this node should. Tests call it directly.
func (m *Manager) Step(ctx context.Context) { m.step(ctx, true) }

// expiryWake is how long Run waits before its next scan: scanEvery, or
// less to read a lease again just after it can have aged out (expiries:
// the instants the other nodes' leases can, as last read), and then every
// expiryRetry while it is still there, for at most expiryPatience.
func expiryWake(now time.Time, expiries []time.Time, scanEvery time.Duration) time.Duration {
	wait := scanEvery
	for _, e := range expiries {
		switch at := e.Add(expiryGrace); {
		case at.After(now):
			wait = min(wait, at.Sub(now))
		case now.Before(at.Add(expiryPatience)):
			wait = min(wait, expiryRetry)
		}
	}
	return wait
}

func (m *Manager) step(ctx context.Context, renew bool) {
	m.expire()
	if renew {
		m.renewNode(ctx)
		m.renewLeases(ctx)
		m.expire()
	}
	if err := m.scan(ctx); err != nil {
		m.log.Warn("cluster scan", "err", err)
	}
}

func (m *Manager) renewNode(ctx context.Context) {
	v, _ := json.Marshal(NodeValue{Node: m.opts.Node, StartedAt: m.start.UTC(), HTTP: m.opts.HTTP, SIP: m.opts.SIP})
	key := nodePrefix + m.opts.Node
	var (
		rev uint64
		err error
	)
	if m.nodeRev != 0 {
		rev, err = m.kv.Update(ctx, key, v, m.nodeRev)
	}
	if m.nodeRev == 0 || err != nil {
		// First round, or our key aged out or was rewritten (a node
		// restarted under the same name): write it anyway.
		rev, err = m.kv.Put(ctx, key, v)
	}
	if err != nil {
		m.log.Warn("cluster: renew node key", "node", m.opts.Node, "err", err)
		m.nodeRev = 0
		return
	}
	m.nodeRev = rev
}

func (m *Manager) renewLeases(ctx context.Context) {
	// One round's requests may not outlast the round: with NATS stuck,
	// the next round tries again rather than waiting on this one.
	ctx, cancel := context.WithTimeout(ctx, m.renewEvery)
	defer cancel()
	m.mu.Lock()
	ids := make([]int64, 0, len(m.held))
	for id := range m.held {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		m.mu.Lock()
		l := m.held[id]
		m.mu.Unlock()
		if l == nil {
			continue
		}
		sent := m.now()
		rev, err := m.kv.Update(ctx, tenantKey(id), l.value, l.rev)
		switch {
		case err == nil:
			m.mu.Lock()
			if m.held[id] == l {
				l.rev = rev
				// Never later than the bucket can let the key age out,
				// counted from before the request was sent.
				l.deadline = sent.Add(m.ttl - m.margin)
			}
			m.mu.Unlock()
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound):
			m.log.Warn("cluster: lease lost", "tenant", id, "epoch", l.epoch, "err", err)
			m.drop(id, l)
		default:
			// NATS unreachable: keep trying until the deadline.
			m.log.Warn("cluster: renew lease", "tenant", id, "err", err)
		}
	}
}

// expire drops the leases whose deadline passed.
func (m *Manager) expire() {
	now := m.now()
	m.mu.Lock()
	var late []int64
	for id, l := range m.held {
		if !now.Before(l.deadline) {
			late = append(late, id)
		}
	}
	m.mu.Unlock()
	slices.Sort(late)
	for _, id := range late {
		m.log.Warn("cluster: lease not renewed in time, stopping for the tenant", "tenant", id)
		m.mu.Lock()
		l := m.held[id]
		m.mu.Unlock()
		m.drop(id, l)
	}
}

// drop forgets a lease and tells Lost.
func (m *Manager) drop(id int64, l *lease) {
	m.mu.Lock()
	if l == nil || m.held[id] != l {
		m.mu.Unlock()
		return
	}
	delete(m.held, id)
	m.mu.Unlock()
	if m.opts.Lost != nil {
		m.opts.Lost(id)
	}
}

// scan releases and acquires leases by rendezvous over the live nodes.
func (m *Manager) scan(ctx context.Context) error {
	tenants, err := m.opts.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	st, err := ReadStatus(ctx, m.kv)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.last = st
	m.expiries = m.expiries[:0]
	for _, l := range st.Leases {
		if _, mine := m.held[l.TenantID]; !mine {
			m.expiries = append(m.expiries, l.RenewedAt.Add(m.ttl))
		}
	}
	m.mu.Unlock()
	nodes := st.NodeNames()
	if !slices.Contains(nodes, m.opts.Node) {
		nodes = append(nodes, m.opts.Node) // our key is being rewritten
	}
	leases := map[int64]LeaseInfo{}
	for _, l := range st.Leases {
		leases[l.TenantID] = l
	}
	known := map[int64]bool{}
	for _, id := range tenants {
		known[id] = true
		winner := Winner(id, nodes)
		cur, leased := leases[id]
		if !leased {
			m.absent[id]++
		} else {
			delete(m.absent, id)
		}
		switch {
		case leased && cur.Node == m.opts.Node:
			if winner != m.opts.Node {
				m.release(ctx, id)
			}
		case !leased && (winner == m.opts.Node || m.absent[id] > 2):
			m.acquire(ctx, id)
		}
	}
	for id := range m.absent {
		if !known[id] {
			delete(m.absent, id)
		}
	}
	// A lease on a tenant that no longer exists is given back.
	for _, id := range m.Held() {
		if !known[id] {
			m.release(ctx, id)
		}
	}
	return nil
}

// acquire tries to create the tenant's lease.
func (m *Manager) acquire(ctx context.Context, id int64) {
	m.mu.Lock()
	_, have := m.held[id]
	m.mu.Unlock()
	if have {
		return
	}
	sent := m.now()
	// The epoch is the revision Create returns, unknown before: the value
	// written first has epoch 0, and the first renewal (at once, below)
	// writes the real one. A reader takes the revision of a value with
	// epoch 0 as its epoch.
	v, _ := json.Marshal(LeaseValue{Node: m.opts.Node, AcquiredAt: sent.UTC()})
	rev, err := m.kv.Create(ctx, tenantKey(id), v)
	if err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			m.log.Warn("cluster: acquire lease", "tenant", id, "err", err)
		}
		return
	}
	epoch := int64(rev)
	v, _ = json.Marshal(LeaseValue{Node: m.opts.Node, Epoch: epoch, AcquiredAt: sent.UTC()})
	l := &lease{epoch: epoch, rev: rev, value: v, deadline: sent.Add(m.ttl - m.margin)}
	if rev2, err := m.kv.Update(ctx, tenantKey(id), v, rev); err == nil {
		l.rev = rev2
	}
	m.mu.Lock()
	m.held[id] = l
	m.mu.Unlock()
	delete(m.absent, id)
	m.log.Info("cluster: lease acquired", "tenant", id, "epoch", epoch)
	if m.opts.Acquired != nil {
		if err := m.opts.Acquired(ctx, id, epoch); err != nil {
			m.log.Error("cluster: could not start the tenant, giving its lease back", "tenant", id, "epoch", epoch, "err", err)
			m.release(ctx, id)
		}
	}
}

// release gives a lease back: Lost first, then the key is deleted
// (checked against our revision) so that the next owner need not wait.
func (m *Manager) release(ctx context.Context, id int64) {
	m.mu.Lock()
	l := m.held[id]
	m.mu.Unlock()
	if l == nil {
		return
	}
	m.drop(id, l)
	if err := m.kv.Delete(ctx, tenantKey(id), jetstream.LastRevision(l.rev)); err != nil {
		m.log.Warn("cluster: release lease", "tenant", id, "err", err)
		return
	}
	m.log.Info("cluster: lease released", "tenant", id, "epoch", l.epoch)
}

func (m *Manager) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, id := range m.Held() {
		m.release(ctx, id)
	}
	m.mu.Lock()
	rest := make(map[int64]*lease, len(m.held))
	for id, l := range m.held {
		rest[id] = l
	}
	m.mu.Unlock()
	for id, l := range rest { // the late ones: Lost only
		m.drop(id, l)
	}
	if m.nodeRev != 0 {
		if err := m.kv.Delete(ctx, nodePrefix+m.opts.Node, jetstream.LastRevision(m.nodeRev)); err != nil {
			m.log.Warn("cluster: remove node key", "err", err)
		}
	}
}

func tenantKey(id int64) string { return tenantPrefix + strconv.FormatInt(id, 10) }

// Winner is the tenant's rendezvous owner among nodes ("" when none): the
// node with the highest score, so that a node joining or leaving moves
// only the tenants it wins or held.
func Winner(tenantID int64, nodes []string) string {
	best, bestScore := "", uint64(0)
	for _, n := range nodes {
		s := score(n, tenantID)
		if best == "" || s > bestScore || s == bestScore && n < best {
			best, bestScore = n, s
		}
	}
	return best
}

func score(node string, tenantID int64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(node))
	x := h.Sum64() ^ uint64(tenantID)*0x9e3779b97f4a7c15
	// splitmix64's finaliser: FNV alone spreads similar names poorly.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Status is the cluster as the bucket says.
type Status struct {
	Nodes  []NodeInfo  `json:"nodes"`
	Leases []LeaseInfo `json:"leases"`
}

// NodeInfo is a live node.
type NodeInfo struct {
	Node      string    `json:"node"`
	HTTP      string    `json:"http,omitempty"`
	SIP       string    `json:"sip,omitempty"`
	StartedAt time.Time `json:"started_at"`
	SeenAt    time.Time `json:"seen_at"` // its key's last write
	Tenants   int       `json:"tenants"` // leases it holds
}

// LeaseInfo is a tenant's lease.
type LeaseInfo struct {
	TenantID   int64     `json:"tenant_id"`
	Node       string    `json:"node"`
	Epoch      int64     `json:"epoch"`
	AcquiredAt time.Time `json:"acquired_at"` // since when the node owns it
	RenewedAt  time.Time `json:"renewed_at"`  // the key's last write: the lease's age is now minus this
}

// NodeNames lists the live nodes' names, sorted.
func (s Status) NodeNames() []string {
	out := make([]string, 0, len(s.Nodes))
	for _, n := range s.Nodes {
		out = append(out, n.Node)
	}
	return out
}

// ReadStatus reads every node and lease of the bucket.
func ReadStatus(ctx context.Context, kv jetstream.KeyValue) (Status, error) {
	st := Status{Nodes: []NodeInfo{}, Leases: []LeaseInfo{}}
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return st, fmt.Errorf("read cluster bucket: %w", err)
	}
	defer w.Stop()
	for {
		var e jetstream.KeyValueEntry
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("read cluster bucket: %w", ctx.Err())
		case e = <-w.Updates():
		}
		if e == nil {
			break
		}
		switch key := e.Key(); {
		case strings.HasPrefix(key, nodePrefix):
			var v NodeValue
			if json.Unmarshal(e.Value(), &v) != nil {
				continue
			}
			st.Nodes = append(st.Nodes, NodeInfo{Node: cmp.Or(v.Node, strings.TrimPrefix(key, nodePrefix)), HTTP: v.HTTP, SIP: v.SIP,
				StartedAt: v.StartedAt, SeenAt: e.Created().UTC()})
		case strings.HasPrefix(key, tenantPrefix):
			id, err := strconv.ParseInt(strings.TrimPrefix(key, tenantPrefix), 10, 64)
			var v LeaseValue
			if err != nil || json.Unmarshal(e.Value(), &v) != nil {
				continue
			}
			st.Leases = append(st.Leases, LeaseInfo{TenantID: id, Node: v.Node, Epoch: cmp.Or(v.Epoch, int64(e.Revision())),
				AcquiredAt: v.AcquiredAt, RenewedAt: e.Created().UTC()})
		}
	}
	slices.SortFunc(st.Nodes, func(a, b NodeInfo) int { return strings.Compare(a.Node, b.Node) })
	slices.SortFunc(st.Leases, func(a, b LeaseInfo) int { return cmp.Compare(a.TenantID, b.TenantID) })
	for i := range st.Nodes {
		for _, l := range st.Leases {
			if l.Node == st.Nodes[i].Node {
				st.Nodes[i].Tenants++
			}
		}
	}
	return st, nil
}

// SecretsBucket keeps the cluster's shared secrets (no TTL).
const SecretsBucket = "plateau_cluster_secrets"

// Secret returns the cluster's secret named name, made (32 random bytes,
// hex) by the first node that asks: every node with access to NATS shares
// it.
func Secret(ctx context.Context, js jetstream.JetStream, name string, replicas int) (string, error) {
	kv, err := js.KeyValue(ctx, SecretsBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: SecretsBucket, History: 1,
			Replicas: max(replicas, 1), Description: "Plateau cluster secrets"})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, SecretsBucket)
		}
	}
	if err != nil {
		return "", fmt.Errorf("cluster secrets bucket: %w", err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("cluster secret: %w", err)
	}
	if _, err := kv.Create(ctx, name, []byte(hex.EncodeToString(b[:]))); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return "", fmt.Errorf("cluster secret %s: %w", name, err)
	}
	e, err := kv.Get(ctx, name)
	if err != nil {
		return "", fmt.Errorf("cluster secret %s: %w", name, err)
	}
	return string(e.Value()), nil
}

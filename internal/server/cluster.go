package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/plateau-cc/plateau/internal/api"
	"github.com/plateau-cc/plateau/internal/cluster"
	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// clusterNode runs `plateau serve --nats`: one live center per tenant this
// node holds the lease of (docs/cluster.md), started when the lease is
// acquired (after its epoch is claimed in the store, and restored from it
// as at a restart) and stopped at once when it is lost.
//
// A node that does not own a tenant holds that tenant's chat and agent
// sockets and carries their frames to a socket of its own to the owner,
// attaching them again to the next owner after a failover
// (cluster_relay.go); configuration changes reach the owner over NATS
// (plateau.change.<tenant>), and the API's live calls are commands to the
// owner over NATS (cluster_live.go).
type clusterNode struct {
	st   *store.Store
	log  *slog.Logger
	opts live.Options // template of every tenant's center
	// sessionUser finds the signed-in user of a request (the API's cookie).
	sessionUser func(ctx context.Context, r *http.Request) (model.User, error)
	nc          *nats.Conn
	js          jetstream.JetStream
	cfg         ClusterConfig
	mgr         *cluster.Manager // from start
	// relaySecret marks the requests a node relays to another (with the
	// customer's address): shared by the nodes through NATS, from start.
	relaySecret string

	mu      sync.Mutex
	runCtx  context.Context // Run's; the centers run under it
	centers map[int64]*tenantCenter
	voice   *sipVoice // the node's SIP, nil without (sipcluster.go)
	wg      sync.WaitGroup
	// cmdSeq numbers the commands this node sends (cluster_live.go).
	cmdSeq atomic.Int64
	// relayed are the agents' sockets relayed to another node, revoked
	// passes revocations to the API (cluster_revoke.go).
	relayed relayedSockets
	revoked func(api.Revocation)

	// relays: the client sockets this node holds for other owners
	// (cluster_relay.go).
	relayMu sync.Mutex
	relays  map[*relay]struct{}
}

type tenantCenter struct {
	c      *live.Center
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan struct{}
	// cmds receives the tenant's commands from the other nodes (cluster_live.go).
	cmds *nats.Subscription
}

// A request relayed to a tenant's owner carries the cluster's relay secret
// and the customer's address (the owner trusts it only with the secret).
const (
	relayHeader       = "X-Plateau-Relay"
	relayRemoteHeader = "X-Plateau-Remote-Addr"
	relayHopsHeader   = "X-Plateau-Relay-Hops"
	// maxRelayHops: the edge's relay, and one more from a node the edge's
	// view wrongly named.
	maxRelayHops = 2
)

// changeSubject carries configuration changes to a tenant's owner.
const changeSubject = "plateau.change."

func openCluster(cfg Config, st *store.Store, logger *slog.Logger, opts live.Options) (*clusterNode, error) {
	nc, err := nats.Connect(cfg.Cluster.NATS, nats.Name("plateau "+cfg.Cluster.Node), nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", cfg.Cluster.NATS, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &clusterNode{st: st, log: logger.With("part", "cluster"), opts: opts, sessionUser: opts.SessionUser, nc: nc, js: js,
		cfg: cfg.Cluster, centers: map[int64]*tenantCenter{}}, nil
}

// start opens the cluster's bucket; advertise is the web address the other
// nodes forward sockets to, sipAddr the SIP address they redirect calls to
// ("" without SIP).
func (n *clusterNode) start(ctx context.Context, advertise, sipAddr string) error {
	var err error
	// The bucket (made by the first node) survives the loss of a NATS
	// server when replicated: three replicas on three servers or more.
	replicas := n.cfg.Replicas
	if replicas == 0 {
		replicas = 1
		if len(n.nc.Servers()) >= 3 {
			replicas = 3
		}
	}
	if n.relaySecret, err = cluster.Secret(ctx, n.js, "relay", replicas); err != nil {
		n.nc.Close()
		return err
	}
	n.mgr, err = cluster.New(ctx, n.js, cluster.Options{Node: n.cfg.Node, HTTP: advertise, SIP: sipAddr, TTL: n.cfg.LeaseTTL.Duration,
		Replicas: replicas, Logger: n.log, Tenants: n.tenants, Acquired: n.acquired, Lost: n.lost})
	if err != nil {
		n.nc.Close()
		return err
	}
	return nil
}

// close drops the NATS connection of a node that did not start.
func (n *clusterNode) close() {
	if n != nil {
		n.nc.Close()
	}
}

// gatherer is the server's metrics with, on a node of a cluster, those of
// every tenant center it runs (labelled by tenant).
func (s *Server) gatherer() prometheus.Gatherer {
	if s.cluster == nil {
		return s.reg
	}
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		return append(prometheus.Gatherers{s.reg}, s.cluster.gatherers()...).Gather()
	})
}

func (n *clusterNode) tenants(ctx context.Context) ([]int64, error) {
	ts, err := n.st.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids, nil
}

// acquired claims the epoch, then starts the tenant's center, restored
// from the store.
func (n *clusterNode) acquired(ctx context.Context, tenantID, epoch int64) error {
	if err := n.st.ClaimTenant(ctx, tenantID, epoch, n.mgr.Node()); err != nil {
		return err
	}
	n.mu.Lock()
	parent := n.runCtx
	n.mu.Unlock()
	if parent == nil || parent.Err() != nil {
		return errors.New("the node is stopping")
	}
	opts := n.opts
	opts.Tenant, opts.Fence = tenantID, n.mgr
	opts.SessionUser = n.relaySessionUser(n.opts.SessionUser)
	reg := prometheus.NewRegistry()
	opts.Registerer = prometheus.WrapRegistererWith(prometheus.Labels{"tenant": strconv.FormatInt(tenantID, 10)}, reg)
	opts.Logger = n.opts.Logger.With("tenant", tenantID, "epoch", epoch)
	start := time.Now()
	c, err := live.New(store.WithFence(ctx, n.mgr), n.st, opts)
	if err != nil {
		return fmt.Errorf("start tenant %d: %w", tenantID, err)
	}
	n.voiceStarted(c)
	cctx, cancel := context.WithCancel(parent)
	tc := &tenantCenter{c: c, reg: reg, cancel: cancel, done: make(chan struct{})}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer close(tc.done)
		if err := c.Run(cctx); err != nil {
			n.log.Error("tenant center stopped", "tenant", tenantID, "err", err)
		}
	}()
	n.mu.Lock()
	n.centers[tenantID] = tc
	n.mu.Unlock()
	if err := n.serveCommands(tenantID, tc); err != nil {
		n.log.Error("cluster: the tenant's commands from other nodes are not served", "tenant", tenantID, "err", err)
	}
	n.log.Info("cluster: running tenant", "tenant", tenantID, "epoch", epoch, "restored_in", time.Since(start))
	return nil
}

// lost stops the tenant's center at once (its writes are fenced already).
func (n *clusterNode) lost(tenantID int64) {
	n.mu.Lock()
	tc := n.centers[tenantID]
	delete(n.centers, tenantID)
	n.mu.Unlock()
	if tc != nil {
		n.stopCommands(tenantID, tc)
		tc.cancel()
		n.voiceLost(tenantID)
		n.log.Info("cluster: stopped tenant", "tenant", tenantID)
	}
}

// startWait bounds how long a request waits for a tenant's center that
// this node is starting (lease taken, restore under way).
const startWait = 3 * time.Second

// waitCenter is center, waiting up to startWait while this node holds the
// tenant's lease but its center is still being restored.
func (n *clusterNode) waitCenter(ctx context.Context, tenantID int64) *live.Center {
	deadline := time.Now().Add(startWait)
	for {
		if c := n.center(tenantID); c != nil || !n.mgr.Owns(tenantID) || time.Now().After(deadline) {
			return c
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (n *clusterNode) center(tenantID int64) *live.Center {
	n.mu.Lock()
	defer n.mu.Unlock()
	if tc := n.centers[tenantID]; tc != nil && n.mgr.Owns(tenantID) {
		return tc.c
	}
	return nil
}

// run keeps the leases until ctx is done, then gives them back and waits
// for the centers.
func (n *clusterNode) run(ctx context.Context) error {
	n.mu.Lock()
	n.runCtx = ctx
	n.mu.Unlock()
	sub, err := n.nc.Subscribe(changeSubject+"*", func(m *nats.Msg) { n.changed(ctx, m) })
	if err != nil {
		return fmt.Errorf("subscribe to changes: %w", err)
	}
	defer sub.Unsubscribe()
	rsub, err := n.watchRevocations(ctx)
	if err != nil {
		return err
	}
	defer rsub.Unsubscribe()
	go n.watchRelays(ctx)
	err = n.mgr.Run(ctx)
	n.wg.Wait()
	n.nc.Close()
	return err
}

// reload passes a configuration change to the tenant's owner, here or
// over NATS.
func (n *clusterNode) reload(ctx context.Context, ch api.Change) {
	switch {
	case n.center(ch.TenantID) != nil:
		n.applyChange(ctx, ch)
	case ch.Kind == api.KindUser:
		err := n.userChanged(ctx, ch.TenantID, ch.ID)
		if err != nil && !errors.Is(err, nats.ErrNoResponders) {
			n.log.Warn("cluster: a user change at the tenant's owner", "tenant", ch.TenantID, "user", ch.ID, "err", err)
		}
	}
	// Every node hears of every change: the owner applies it (unless it
	// is this node, done above), and every node's SIP call setups forget
	// what they read (the entry numbers a node redirects by, too).
	m := nats.NewMsg(changeSubject + strconv.FormatInt(ch.TenantID, 10))
	m.Header.Set(changeFromHeader, n.mgr.Node())
	m.Data, _ = json.Marshal(ch)
	if err := n.nc.PublishMsg(m); err != nil {
		n.log.Error("send a change to the other nodes", "tenant", ch.TenantID, "err", err)
	}
}

// changeFromHeader names the node a change was made on: it has applied
// the change already.
const changeFromHeader = "Plateau-Node"

// changed is a change heard from any node (plateau.change.<tenant>).
func (n *clusterNode) changed(ctx context.Context, m *nats.Msg) {
	var ch api.Change
	if json.Unmarshal(m.Data, &ch) != nil {
		n.log.Warn("cluster: a bad change message", "subject", m.Subject)
		return
	}
	if v := n.sipVoice(); v != nil {
		v.srv.ConfigChanged()
	}
	if m.Header.Get(changeFromHeader) != n.mgr.Node() {
		n.applyChange(ctx, ch)
	}
}

func (n *clusterNode) applyChange(ctx context.Context, ch api.Change) {
	c := n.center(ch.TenantID)
	if c == nil {
		return
	}
	if ch.Kind == api.KindUser {
		if err := c.UserChanged(ctx, ch.TenantID, ch.ID); err != nil {
			n.log.Error("close a changed user's sessions", "user", ch.ID, "err", err)
		}
		return
	}
	kinds := map[string]live.ChangeKind{api.KindQueue: live.ChangeQueue, api.KindAgent: live.ChangeAgent, api.KindSchedule: live.ChangeSchedule}
	if k, ok := kinds[ch.Kind]; ok {
		if err := c.Reload(ctx, live.Change{Kind: k, TenantID: ch.TenantID, ID: ch.ID, Deleted: ch.Deleted}); err != nil {
			n.log.Error("reload the live center", "kind", ch.Kind, "id", ch.ID, "err", err)
		}
	}
}

// ownerURL is the advertised address of the tenant's owner, "" when none:
// from the manager's last view of the bucket (at most TTL/10 old), read
// again from NATS when that view names no other owner (it may predate a
// move).
func (n *clusterNode) ownerURL(ctx context.Context, tenantID int64) string {
	if u := ownerIn(n.mgr.LastStatus(), tenantID, n.mgr.Node()); u != "" {
		return u
	}
	return n.freshOwnerURL(ctx, tenantID)
}

// freshOwnerURL is ownerURL read from NATS now.
func (n *clusterNode) freshOwnerURL(ctx context.Context, tenantID int64) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st, err := cluster.ReadStatus(ctx, n.mgr.KV())
	if err != nil {
		return ""
	}
	return ownerIn(st, tenantID, n.mgr.Node())
}

func ownerIn(st cluster.Status, tenantID int64, self string) string {
	for _, l := range st.Leases {
		if l.TenantID != tenantID {
			continue
		}
		for _, nd := range st.Nodes {
			if nd.Node == l.Node && nd.Node != self {
				return nd.HTTP
			}
		}
	}
	return ""
}

// serveTenant serves r with the tenant's center here, or forwards it to
// the owner; 503 with Retry-After while the tenant has none.
func (n *clusterNode) serveTenant(w http.ResponseWriter, r *http.Request, tenantID int64, handler func(*live.Center) http.Handler) {
	hops := 0
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(relayHeader)), []byte(n.relaySecret)) == 1 {
		// Relayed by a node of the cluster: the customer's own address
		// (limits per address, logs).
		hops, _ = strconv.Atoi(r.Header.Get(relayHopsHeader))
		hops = max(hops, 1)
		if a := r.Header.Get(relayRemoteHeader); a != "" {
			r.RemoteAddr = a
		}
		r, _ = trustedAgent(r)
	}
	r.Header.Del(relayAgentHeader)
	r.Header.Del(relayHeader)
	r.Header.Del(relayRemoteHeader)
	r.Header.Del(relayHopsHeader)
	if c := n.waitCenter(r.Context(), tenantID); c != nil {
		handler(c).ServeHTTP(w, r)
		return
	}
	// Not here: to the owner. A relayed request reaches a node that is not
	// the owner when the relaying node's view predates a move: it goes on
	// once more, by a fresh read of the bucket.
	if hops == 0 && isWebSocket(r) {
		// A chat or desk socket: this node holds it and carries its
		// frames, attaching it again if the owner is lost.
		if node, addr := n.ownerNodeAddr(r.Context(), tenantID); addr != "" {
			n.relaySocket(w, r, tenantID, node, addr)
			return
		}
		unavailable(w)
		return
	}
	if hops < maxRelayHops {
		addr := ""
		if hops == 0 {
			addr = n.ownerURL(r.Context(), tenantID)
		} else {
			addr = n.freshOwnerURL(r.Context(), tenantID)
		}
		if addr != "" {
			u := &url.URL{Scheme: "http", Host: addr}
			p := httputil.NewSingleHostReverseProxy(u)
			p.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
				n.log.Warn("forward to the tenant's owner", "tenant", tenantID, "owner", addr, "err", err)
				unavailable(w)
			}
			r.Header.Set(relayHeader, n.relaySecret)
			r.Header.Set(relayRemoteHeader, r.RemoteAddr)
			r.Header.Set(relayHopsHeader, strconv.Itoa(hops+1))
			p.ServeHTTP(w, r)
			return
		}
	}
	unavailable(w)
}

func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	http.Error(w, "this tenant's contact center is starting on another node: retry", http.StatusServiceUnavailable)
}

// chatHandler finds the tenant of /chat/{entry}/...
func (n *clusterNode) chatHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/chat/")
		entry, _, _ := strings.Cut(rest, "/")
		ep, err := n.st.ResolveEntryPoint(r.Context(), model.EntryChat, entry)
		if errors.Is(err, store.ErrNotFound) {
			http.Error(w, "no such chat", http.StatusNotFound)
			return
		}
		if err != nil {
			unavailable(w)
			return
		}
		n.serveTenant(w, r, ep.TenantID, (*live.Center).ChatHandler)
	})
}

// agentHandler finds the agent's tenant by its browser session (the desk
// signs in over REST first, so its socket carries the cookie).
func (n *clusterNode) agentHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u model.User
		var err error
		if n.sessionUser != nil {
			u, err = n.sessionUser(r.Context(), r)
		}
		if n.sessionUser != nil && err == nil && u.TenantID != nil {
			n.serveTenant(w, r, *u.TenantID, (*live.Center).AgentHandler)
			return
		}
		// No session here (API sessions are kept per node): the desk
		// names its tenant (?tenant=ID, from GET /api/v1/me) and signs in
		// with its password at the owner, which checks the tenant.
		if tid, err := strconv.ParseInt(r.URL.Query().Get("tenant"), 10, 64); err == nil && tid > 0 {
			n.serveTenant(w, r, tid, (*live.Center).AgentHandler)
			return
		}
		http.Error(w, "with several nodes the desk's socket needs its session, or ?tenant=ID", http.StatusUnauthorized)
	})
}

// Status is the cluster as its bucket and the store say (GET
// /api/v1/cluster, plateau cluster status).
func (n *clusterNode) Status(ctx context.Context) (api.ClusterStatus, error) {
	return clusterStatus(ctx, n.mgr.KV(), n.st, n.mgr.Node(), n.mgr.TTL())
}

// clusterStatus joins the bucket's nodes and leases to the store's epochs.
func clusterStatus(ctx context.Context, kv jetstream.KeyValue, st *store.Store, node string, ttl time.Duration) (api.ClusterStatus, error) {
	cs, err := cluster.ReadStatus(ctx, kv)
	if err != nil {
		return api.ClusterStatus{}, err
	}
	out := api.ClusterStatus{Enabled: true, Node: node, LeaseTTLSeconds: ttl.Seconds(), Nodes: cs.Nodes, Leases: []api.ClusterLease{}}
	claimed := map[int64]store.TenantEpoch{}
	if st != nil {
		epochs, err := st.TenantEpochs(ctx)
		if err != nil {
			return api.ClusterStatus{}, err
		}
		for _, e := range epochs {
			claimed[e.TenantID] = e
		}
	}
	now := time.Now()
	for _, l := range cs.Leases {
		cl := api.ClusterLease{LeaseInfo: l, AgeSeconds: now.Sub(l.RenewedAt).Seconds()}
		if e, ok := claimed[l.TenantID]; ok {
			cl.StoreEpoch = e.Epoch
		}
		out.Leases = append(out.Leases, cl)
	}
	return out, nil
}

// gatherers is every running tenant center's metrics.
func (n *clusterNode) gatherers() prometheus.Gatherers {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make(prometheus.Gatherers, 0, len(n.centers))
	for _, tc := range n.centers {
		out = append(out, tc.reg)
	}
	return out
}

// ReadClusterStatus reads a cluster's status from its NATS servers (urls,
// comma-separated) and, when st is not nil, the epochs its store claimed:
// plateau cluster status, with no node running.
func ReadClusterStatus(ctx context.Context, urls string, st *store.Store) (api.ClusterStatus, error) {
	nc, err := nats.Connect(urls, nats.Name("plateau cluster status"))
	if err != nil {
		return api.ClusterStatus{}, fmt.Errorf("connect to nats %s: %w", urls, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return api.ClusterStatus{}, fmt.Errorf("jetstream: %w", err)
	}
	kv, err := js.KeyValue(ctx, cluster.DefaultBucket)
	if err != nil {
		return api.ClusterStatus{}, fmt.Errorf("open the cluster's bucket %s (is a node running?): %w", cluster.DefaultBucket, err)
	}
	ks, err := kv.Status(ctx)
	if err != nil {
		return api.ClusterStatus{}, fmt.Errorf("cluster bucket status: %w", err)
	}
	return clusterStatus(ctx, kv, st, "", ks.TTL())
}

package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/plateau-cc/plateau/internal/api"
	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// Revocations on several nodes (issue 11: a person removed is out at once,
// on every node). The API of the node where someone's access is removed
// (a user deleted, disabled, its password or role changed, a token
// revoked, a session signed out) publishes an api.Revocation on
// plateau.revoke; every node, itself included, then
//   - passes it to its API (Revoked): the shared sessions it cached are
//     read again, its open event streams check their credential at once;
//   - closes the agents' sockets it relays to the tenant's owner for that
//     user, by the rule the owner applies to the sockets it holds
//     (live.SignOutReason): the owner closes its side with a reason (the
//     change reaches it on plateau.change.<tenant>), and the edge closes
//     the client's socket itself, so that a desk is out even while the
//     owner cannot be reached.

// revokeSubject carries revocations to every node.
const revokeSubject = "plateau.revoke"

// relayedSockets are the agents' sockets this node relays to another
// node, by user.
type relayedSockets struct {
	mu     sync.Mutex
	byUser map[int64]map[*relayedSocket]struct{}
}

type relayedSocket struct {
	user model.User // as signed in when the socket opened
	mu   sync.Mutex
	conn net.Conn // the client's, once hijacked
}

func (rs *relayedSockets) add(s *relayedSocket) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.byUser == nil {
		rs.byUser = map[int64]map[*relayedSocket]struct{}{}
	}
	m := rs.byUser[s.user.ID]
	if m == nil {
		m = map[*relayedSocket]struct{}{}
		rs.byUser[s.user.ID] = m
	}
	m[s] = struct{}{}
}

func (rs *relayedSockets) remove(s *relayedSocket) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	delete(rs.byUser[s.user.ID], s)
	if len(rs.byUser[s.user.ID]) == 0 {
		delete(rs.byUser, s.user.ID)
	}
}

func (rs *relayedSockets) of(userID int64) []*relayedSocket {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make([]*relayedSocket, 0, len(rs.byUser[userID]))
	for s := range rs.byUser[userID] {
		out = append(out, s)
	}
	return out
}

// trackedWriter records the connection a relayed socket hijacks.
type trackedWriter struct {
	http.ResponseWriter
	s *relayedSocket
}

func (w *trackedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.s.mu.Lock()
		w.s.conn = conn
		w.s.mu.Unlock()
	}
	return conn, brw, err
}

func (w *trackedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// revocable keeps track of the agents' sockets, signed in by their
// browser session, that this node relays to their tenant's owner, so that
// a revocation closes them here. The sockets of a tenant run here are the
// center's to close (UserChanged); those signed in by password in their
// first frame (?tenant=ID, no session) are known by the owner only.
func (n *clusterNode) revocable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.sessionUser == nil || r.Header.Get(relayHeader) != "" {
			next.ServeHTTP(w, r)
			return
		}
		u, err := n.sessionUser(r.Context(), r)
		if err != nil || u.TenantID == nil || n.center(*u.TenantID) != nil {
			next.ServeHTTP(w, r)
			return
		}
		s := &relayedSocket{user: u}
		n.relayed.add(s)
		defer n.relayed.remove(s)
		next.ServeHTTP(&trackedWriter{ResponseWriter: w, s: s}, r)
	})
}

// tellRevoked publishes a revocation made by this node's API.
func (n *clusterNode) tellRevoked(_ context.Context, r api.Revocation) {
	b, err := json.Marshal(r)
	if err == nil {
		err = n.nc.Publish(revokeSubject, b)
	}
	if err != nil {
		n.log.Error("cluster: tell the other nodes of a revocation", "user", r.UserID, "token", r.TokenID, "err", err)
	}
}

// watchRevocations applies every node's revocations here until the
// subscription is dropped.
func (n *clusterNode) watchRevocations(ctx context.Context) (*nats.Subscription, error) {
	sub, err := n.nc.Subscribe(revokeSubject, func(m *nats.Msg) {
		var r api.Revocation
		if err := json.Unmarshal(m.Data, &r); err != nil {
			n.log.Warn("cluster: a bad revocation", "err", err)
			return
		}
		n.applyRevocation(ctx, r)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to revocations: %w", err)
	}
	return sub, nil
}

// applyRevocation applies a revocation made on any node.
func (n *clusterNode) applyRevocation(ctx context.Context, r api.Revocation) {
	if n.revoked != nil {
		n.revoked(r)
	}
	if r.UserID == 0 {
		return
	}
	socks := n.relayed.of(r.UserID)
	if len(socks) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tid := r.TenantID
	u, err := n.st.GetUser(ctx, &tid, r.UserID)
	gone := errors.Is(err, store.ErrNotFound)
	if err != nil && !gone {
		// Unsure: closing is the safe side (the desk signs in again).
		n.log.Error("cluster: read a revoked user", "user", r.UserID, "err", err)
	}
	for _, s := range socks {
		why := "your access could not be checked: sign in again"
		if err == nil || gone {
			why = live.SignOutReason(s.user, u, gone)
		}
		if why == "" {
			continue
		}
		s.mu.Lock()
		conn := s.conn
		s.mu.Unlock()
		if conn == nil {
			continue
		}
		n.log.Info("audit: relayed agent socket closed", "user", r.UserID, "remote", conn.RemoteAddr().String(), "why", why)
		conn.Close()
	}
}

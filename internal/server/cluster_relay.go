package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/cluster"
	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
)

// The session-aware relay (docs/cluster.md, "Failover"): a node that does
// not own a tenant holds the customer's or agent's WebSocket itself and
// carries its frames to a socket it opens to the owner. It reads what it
// needs to attach the session again: the customer's contact and resume
// token (from the owner's "queued" frame), the seqs it has delivered and
// the messages not yet acknowledged; the agent's id (from "logged_in").
// When the owner's socket drops without a close of its own (the owner
// died, or stopped for the tenant: 1001), or the lease view names another
// owner, the edge waits for the new owner and attaches again on the
// client's behalf — the customer resumes with its token and the last seq
// it got, the agent signs in by the identity the edge vouches for with the
// relay secret — and sends the unacknowledged messages again (the
// client_msg_id makes a second store a no-op). The client's socket stays
// open: it sees the new owner's position or state frame again, and
// nothing twice.

const (
	// relayAgentHeader: on a request relayed with the secret, the agent
	// (tenant:agent) the edge signed in before; the owner signs it in again
	// without a password.
	relayAgentHeader = "X-Plateau-Relay-Agent"
	// relayDialTimeout bounds one attempt to open the owner's socket.
	relayDialTimeout = 3 * time.Second
	// relayBuffered bounds the client frames held while the edge attaches
	// again; past it the client is closed (1001) and resumes by itself.
	relayBuffered  = 64
	relayReadLimit = 1 << 20
	relayWriteWait = 10 * time.Second
	relayPingEvery = 30 * time.Second
	relayRetry     = 250 * time.Millisecond
)

// relayAgent is the identity a relaying edge vouches for.
type relayAgent struct{ tenantID, agentID int64 }

type relayAgentKey struct{}

// trustedAgent reads the vouched identity of a request whose relay secret
// was checked (serveTenant drops the header otherwise).
func trustedAgent(r *http.Request) (*http.Request, bool) {
	v := r.Header.Get(relayAgentHeader)
	r.Header.Del(relayAgentHeader)
	t, a, ok := strings.Cut(v, ":")
	tid, err1 := strconv.ParseInt(t, 10, 64)
	aid, err2 := strconv.ParseInt(a, 10, 64)
	if !ok || err1 != nil || err2 != nil || tid <= 0 || aid <= 0 {
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), relayAgentKey{}, relayAgent{tid, aid})), true
}

// relaySessionUser wraps a center's SessionUser: a socket relayed by an
// edge that vouches for an agent signs in as that agent's user.
func (n *clusterNode) relaySessionUser(next func(context.Context, *http.Request) (model.User, error)) func(context.Context, *http.Request) (model.User, error) {
	return func(ctx context.Context, r *http.Request) (model.User, error) {
		ra, ok := r.Context().Value(relayAgentKey{}).(relayAgent)
		if !ok {
			if next == nil {
				return model.User{}, errors.New("no session")
			}
			return next(ctx, r)
		}
		users, err := n.st.ListUsers(ctx, &ra.tenantID)
		if err != nil {
			return model.User{}, fmt.Errorf("find the relayed agent's user: %w", err)
		}
		for _, u := range users {
			if u.Role == model.RoleAgent && u.AgentID != nil && *u.AgentID == ra.agentID && !u.Disabled {
				return u, nil
			}
		}
		return model.User{}, fmt.Errorf("agent %d of tenant %d has no user that may sign in", ra.agentID, ra.tenantID)
	}
}

// isWebSocket reports whether r asks for a WebSocket.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// ownerNode is the tenant's owner in the lease view (this node too), and
// its web address; "" when none.
func ownerNode(st cluster.Status, tenantID int64) (node, addr string) {
	for _, l := range st.Leases {
		if l.TenantID != tenantID {
			continue
		}
		for _, nd := range st.Nodes {
			if nd.Node == l.Node {
				return nd.Node, nd.HTTP
			}
		}
	}
	return "", ""
}

// relay is one client socket an edge holds for a tenant's owner.
type relay struct {
	n        *clusterNode
	tenantID int64
	agent    bool
	req      *http.Request // the client's handshake (path, headers)
	client   *websocket.Conn
	ctx      context.Context
	cancel   context.CancelFunc

	mu       sync.Mutex
	up       *websocket.Conn // nil while attaching again
	upNode   string
	held     [][]byte // client frames waiting for the owner's socket
	unacked  []pendingMsg
	token    string // customer: resume token
	resuming string // customer: the token of its own resume, until answered
	contact  int64  // customer: its contact
	upTo     int64  // customer: every seq up to it was delivered
	seen     map[int64]bool
	agentID  int64
	presence string // agent: the presence it last chose (agent_state)
	reason   string
	over     bool // the owner ended the session (ended, replaced): no attaching again
	gone     bool // the client closed its socket: its close goes to the owner
}

type pendingMsg struct {
	key   string // contact_id/client_msg_id
	frame []byte
}

// relayFrame is what the relay reads of a frame, either way.
type relayFrame struct {
	Type        string `json:"type"`
	ContactID   int64  `json:"contact_id"`
	ClientMsgID string `json:"client_msg_id"`
	Seq         int64  `json:"seq"`
	ResumeToken string `json:"resume_token"`
	AgentID     int64  `json:"agent_id"`
	Presence    string `json:"presence"`
	Reason      string `json:"reason"`
	Code        string `json:"code"`
	Token       string `json:"token"`    // the client's resume
	LastSeq     int64  `json:"last_seq"` // the client's resume
}

func msgKey(contactID int64, id string) string { return strconv.FormatInt(contactID, 10) + "/" + id }

// relaySocket serves a client socket of the tenant owned by the node at
// addr: it opens the owner's socket first (its refusal is the client's),
// then holds the client's and carries frames until either side ends.
func (n *clusterNode) relaySocket(w http.ResponseWriter, r *http.Request, tenantID int64, node, addr string) {
	rl := &relay{n: n, tenantID: tenantID, agent: strings.HasPrefix(r.URL.Path, "/agent/"), req: r, seen: map[int64]bool{}}
	up, resp, err := rl.dial(r.Context(), addr, false)
	if err != nil {
		n.log.Warn("relay to the tenant's owner", "tenant", tenantID, "owner", addr, "err", err)
		if resp != nil && resp.StatusCode >= 400 {
			if ra := resp.Header.Get("Retry-After"); ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
			w.WriteHeader(resp.StatusCode)
			if resp.Body != nil {
				io.Copy(w, io.LimitReader(resp.Body, 4<<10))
			}
			return
		}
		unavailable(w)
		return
	}
	origins := n.opts.OriginPatterns
	client, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: origins, InsecureSkipVerify: len(origins) == 0})
	if err != nil {
		up.CloseNow()
		return
	}
	client.SetReadLimit(relayReadLimit)
	// The relay outlives the handshake's request: its own context.
	rl.ctx, rl.cancel = context.WithCancel(n.relayCtx())
	rl.client, rl.up, rl.upNode = client, up, node
	n.addRelay(rl)
	// Run in the handler's goroutine: what wraps the handler (the
	// revocations' tracking of relayed desks, cluster_revoke.go) holds for
	// as long as the socket.
	rl.run()
}

// dial opens the owner's socket; again: on the client's behalf, after the
// first owner was lost.
func (rl *relay) dial(ctx context.Context, addr string, again bool) (*websocket.Conn, *http.Response, error) {
	r := rl.req
	u := url.URL{Scheme: "ws", Host: addr, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	h := http.Header{}
	h.Set(relayHeader, rl.n.relaySecret)
	h.Set(relayRemoteHeader, r.RemoteAddr)
	h.Set(relayHopsHeader, "1")
	if rl.agent {
		q := u.Query()
		q.Set("tenant", strconv.FormatInt(rl.tenantID, 10))
		u.RawQuery = q.Encode()
	}
	if again && rl.agent {
		// Signed in again by the identity the edge vouches for: no
		// password kept, no browser session (per node) needed.
		h.Set(relayAgentHeader, fmt.Sprintf("%d:%d", rl.tenantID, rl.agentID))
	} else {
		// As the client sent it: the owner checks the origin and the
		// session as on one node.
		for _, k := range []string{"Origin", "Cookie", "User-Agent", "Accept-Language"} {
			if v := r.Header.Values(k); len(v) > 0 {
				h[k] = v
			}
		}
	}
	dctx, cancel := context.WithTimeout(ctx, relayDialTimeout)
	defer cancel()
	c, resp, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPHeader: h, Host: r.Host})
	if err != nil {
		return nil, resp, fmt.Errorf("open the owner's socket at %s: %w", addr, err)
	}
	c.SetReadLimit(relayReadLimit)
	return c, resp, nil
}

// run carries the frames until the client leaves, the owner ends the
// session, or no owner takes the session back.
func (rl *relay) run() {
	defer rl.n.dropRelay(rl)
	defer rl.cancel()
	go rl.fromClient()
	go rl.keepAlive()
	for {
		rl.mu.Lock()
		up := rl.up
		rl.mu.Unlock()
		err := rl.fromOwner(up)
		if rl.ctx.Err() != nil {
			// The client left (its close went to the owner), or this node
			// stops.
			up.CloseNow()
			rl.client.Close(websocket.StatusGoingAway, "server shutting down")
			return
		}
		st := websocket.CloseStatus(err)
		rl.mu.Lock()
		rl.up = nil
		canAttach := !rl.over && ((rl.agent && rl.agentID != 0) || (!rl.agent && rl.token != ""))
		gone := rl.gone
		rl.mu.Unlock()
		if gone {
			// The owner answered the client's own close (a browser leaving
			// says 1001 too): nothing to attach again.
			up.CloseNow()
			return
		}
		if st != -1 && st != websocket.StatusGoingAway {
			// The owner closed the session itself: so does the client.
			if st == websocket.StatusNoStatusRcvd {
				st = websocket.StatusNormalClosure
			}
			rl.client.Close(st, "")
			return
		}
		up.CloseNow()
		if !canAttach {
			rl.client.Close(websocket.StatusGoingAway, "the contact center moved: reconnect")
			return
		}
		rl.n.log.Info("relay: the tenant's owner is gone, attaching the session again", "tenant", rl.tenantID, "owner", rl.upNode, "agent", rl.agent, "err", err)
		if err := rl.attachAgain(); err != nil {
			if rl.ctx.Err() == nil {
				rl.n.log.Warn("relay: could not attach the session again", "tenant", rl.tenantID, "err", err)
				rl.client.Close(websocket.StatusGoingAway, "the contact center moved: reconnect")
			}
			return
		}
	}
}

// attachAgainWait bounds the wait for a new owner: the lease ages out
// within a TTL, and the new owner restores the tenant.
func (rl *relay) attachAgainWait() time.Duration { return 3*rl.n.mgr.TTL() + 10*time.Second }

// attachAgain waits for the tenant's new owner, opens its socket, resumes
// or signs in, sends the unacknowledged messages and the held frames, and
// lets the client's frames through again.
func (rl *relay) attachAgain() error {
	deadline := time.Now().Add(rl.attachAgainWait())
	dead := rl.upNode
	for {
		if time.Now().After(deadline) {
			return errors.New("no owner took the tenant back in time")
		}
		select {
		case <-rl.ctx.Done():
			return rl.ctx.Err()
		case <-time.After(relayRetry):
		}
		node, addr := ownerNode(rl.n.mgr.LastStatus(), rl.tenantID)
		if addr == "" {
			continue
		}
		up, _, err := rl.dial(rl.ctx, addr, true)
		if err != nil {
			if node != dead {
				rl.n.log.Debug("relay: attach again", "tenant", rl.tenantID, "owner", addr, "err", err)
			}
			continue
		}
		if err := rl.reattach(up, node); err != nil {
			up.CloseNow()
			rl.n.log.Debug("relay: attach again", "tenant", rl.tenantID, "owner", addr, "err", err)
			continue
		}
		rl.n.log.Info("relay: session attached again", "tenant", rl.tenantID, "owner", node, "agent", rl.agent)
		return nil
	}
}

// reattach sends the resume or sign-in on up, then what the old owner may
// not have stored, then the frames held meanwhile; up is the relay's owner
// socket from then on.
func (rl *relay) reattach(up *websocket.Conn, node string) error {
	rl.mu.Lock()
	var first []byte
	if rl.agent {
		first = []byte(`{"type":"login"}`)
	} else {
		first, _ = json.Marshal(map[string]any{"type": "resume", "token": rl.token, "last_seq": rl.upTo})
	}
	rl.mu.Unlock()
	if err := rl.write(up, first); err != nil {
		return err
	}
	if rl.agent {
		// The sign-in's answer is the client's already: logged_in is
		// dropped; a refusal ends the session.
		ctx, cancel := context.WithTimeout(rl.ctx, relayDialTimeout)
		_, b, err := up.Read(ctx)
		cancel()
		if err != nil {
			return fmt.Errorf("sign the agent in again: %w", err)
		}
		var f relayFrame
		_ = json.Unmarshal(b, &f)
		if f.Type != "logged_in" {
			rl.mu.Lock()
			rl.over = true
			rl.mu.Unlock()
			rl.toClient(b)
			rl.client.Close(websocket.StatusPolicyViolation, "signed out")
			rl.cancel()
			return fmt.Errorf("the agent was not signed in again: %s", b)
		}
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	frames := make([][]byte, 0, len(rl.unacked)+len(rl.held)+1)
	for _, p := range rl.unacked {
		frames = append(frames, p.frame)
	}
	if rl.agent && rl.presence != "" && rl.presence != "logged_out" {
		// The presence it had chosen (a new owner signs it in not ready).
		b, _ := json.Marshal(map[string]string{"type": "state", "state": rl.presence, "reason": rl.reason})
		frames = append(frames, b)
	}
	frames = append(frames, rl.held...)
	rl.held = nil
	for _, b := range frames {
		if err := rl.write(up, b); err != nil {
			return err
		}
	}
	rl.up, rl.upNode = up, node
	return nil
}

func (rl *relay) write(c *websocket.Conn, b []byte) error {
	ctx, cancel := context.WithTimeout(rl.ctx, relayWriteWait)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, b)
}

// fromClient carries the client's frames to the owner (or holds them
// while the relay attaches again); the client leaving ends the relay.
func (rl *relay) fromClient() {
	defer rl.cancel()
	for {
		typ, b, err := rl.client.Read(rl.ctx)
		if err != nil {
			rl.mu.Lock()
			up := rl.up
			rl.gone = true
			rl.mu.Unlock()
			if up != nil {
				st := websocket.CloseStatus(err)
				if st == -1 {
					st = websocket.StatusGoingAway
				}
				up.Close(st, "")
			}
			return
		}
		var f relayFrame
		_ = json.Unmarshal(b, &f)
		rl.mu.Lock()
		rl.fromClientNote(f)
		if f.Type == "message" && f.ClientMsgID != "" && len(rl.unacked) < relayBuffered {
			cid := f.ContactID
			if !rl.agent {
				cid = 0
			}
			rl.unacked = append(rl.unacked, pendingMsg{key: msgKey(cid, f.ClientMsgID), frame: b})
		}
		up := rl.up
		if up == nil {
			if len(rl.held) >= relayBuffered {
				rl.mu.Unlock()
				rl.client.Close(websocket.StatusGoingAway, "the contact center moved: reconnect")
				return
			}
			rl.held = append(rl.held, b)
			rl.mu.Unlock()
			continue
		}
		// Written under the lock: a re-attach's frames are never overtaken.
		err = func() error {
			ctx, cancel := context.WithTimeout(rl.ctx, relayWriteWait)
			defer cancel()
			return up.Write(ctx, typ, b)
		}()
		if err != nil {
			// The owner's socket broke: run attaches again; this frame
			// is sent then (a message is in unacked; others are held).
			if f.Type != "message" || f.ClientMsgID == "" {
				rl.held = append(rl.held, b)
			}
		}
		rl.mu.Unlock()
	}
}

// fromOwner carries the owner's frames to the client until up fails.
func (rl *relay) fromOwner(up *websocket.Conn) error {
	for {
		_, b, err := up.Read(rl.ctx)
		if err != nil {
			return err
		}
		if rl.note(b) {
			rl.toClient(b)
		}
	}
}

// note learns from a frame of the owner and reports whether the client
// gets it (false: a message it had already).
func (rl *relay) note(b []byte) bool {
	var f relayFrame
	if json.Unmarshal(b, &f) != nil {
		return true
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	switch f.Type {
	case "queued", "connected":
		if !rl.agent && f.ResumeToken != "" {
			rl.token, rl.contact = f.ResumeToken, f.ContactID
		} else if !rl.agent && rl.resuming != "" {
			// Its own resume was answered: the token is good.
			rl.token = rl.resuming
		}
		rl.resuming = ""
	case "logged_in":
		rl.agentID = f.AgentID
	case "agent_state":
		rl.presence, rl.reason = f.Presence, f.Reason
	case "ack":
		key := msgKey(f.ContactID, f.ClientMsgID)
		if !rl.agent {
			key = msgKey(0, f.ClientMsgID)
		}
		for i, p := range rl.unacked {
			if p.key == key {
				rl.unacked = append(rl.unacked[:i], rl.unacked[i+1:]...)
				break
			}
		}
		if !rl.agent {
			rl.saw(f.Seq)
		}
	case "message":
		if !rl.agent && f.Seq > 0 {
			if rl.seen[f.Seq] || f.Seq <= rl.upTo {
				return false
			}
			rl.saw(f.Seq)
		}
	case "ended":
		if !rl.agent {
			rl.over = true
		}
	case "error":
		if f.Code == "replaced" {
			rl.over = true
		}
		if f.Code == "unknown_token" {
			rl.resuming = ""
		}
	}
	return true
}

// fromClientNote learns from a client's frame (under rl.mu): a customer
// resuming by itself names its token (kept once the owner answers) and the
// seqs it already has.
func (rl *relay) fromClientNote(f relayFrame) {
	if rl.agent || f.Type != "resume" || f.Token == "" {
		return
	}
	rl.resuming = f.Token
	for s := range rl.seen {
		if s <= f.LastSeq {
			delete(rl.seen, s)
		}
	}
	rl.upTo = max(rl.upTo, f.LastSeq)
	for rl.seen[rl.upTo+1] {
		delete(rl.seen, rl.upTo+1)
		rl.upTo++
	}
}

// saw notes a seq the client has, keeping upTo the highest seq below
// which it has every one.
func (rl *relay) saw(seq int64) {
	if seq <= rl.upTo {
		return
	}
	rl.seen[seq] = true
	for rl.seen[rl.upTo+1] {
		delete(rl.seen, rl.upTo+1)
		rl.upTo++
	}
}

func (rl *relay) toClient(b []byte) {
	ctx, cancel := context.WithTimeout(rl.ctx, relayWriteWait)
	defer cancel()
	if err := rl.client.Write(ctx, websocket.MessageText, b); err != nil {
		rl.cancel()
	}
}

// keepAlive pings the client: a peer that vanished ends the relay (and so
// the owner's session, as a dropped socket).
func (rl *relay) keepAlive() {
	t := time.NewTicker(relayPingEvery)
	defer t.Stop()
	for {
		select {
		case <-rl.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(rl.ctx, relayWriteWait)
			err := rl.client.Ping(ctx)
			cancel()
			if err != nil {
				rl.cancel()
				return
			}
		}
	}
}

// kick drops the owner's socket when the lease view names another owner
// (the one it has may be paused or cut off): run attaches again.
func (rl *relay) kick(owner string) {
	rl.mu.Lock()
	up, node := rl.up, rl.upNode
	rl.mu.Unlock()
	if up != nil && owner != "" && owner != node {
		up.CloseNow()
	}
}

// relayCtx is the context relays run under: the node's.
func (n *clusterNode) relayCtx() context.Context {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.runCtx != nil {
		return n.runCtx
	}
	return context.Background()
}

func (n *clusterNode) addRelay(rl *relay) {
	n.relayMu.Lock()
	defer n.relayMu.Unlock()
	if n.relays == nil {
		n.relays = map[*relay]struct{}{}
	}
	n.relays[rl] = struct{}{}
}

func (n *clusterNode) dropRelay(rl *relay) {
	n.relayMu.Lock()
	defer n.relayMu.Unlock()
	delete(n.relays, rl)
}

// watchRelays moves the relays whose owner the lease view no longer names
// (checked every TTL/10, as often as the view is read).
func (n *clusterNode) watchRelays(ctx context.Context) {
	t := time.NewTicker(max(n.mgr.TTL()/10, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := n.mgr.LastStatus()
		n.relayMu.Lock()
		list := make([]*relay, 0, len(n.relays))
		for rl := range n.relays {
			list = append(list, rl)
		}
		n.relayMu.Unlock()
		for _, rl := range list {
			node, _ := ownerNode(st, rl.tenantID)
			rl.kick(node)
		}
	}
}

// ownerNodeAddr is the tenant's owner other than this node, from the
// manager's last view of the bucket, read again from NATS when that view
// names none (as ownerURL).
func (n *clusterNode) ownerNodeAddr(ctx context.Context, tenantID int64) (node, addr string) {
	if node, addr = ownerNode(n.mgr.LastStatus(), tenantID); addr != "" && node != n.mgr.Node() {
		return node, addr
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st, err := cluster.ReadStatus(ctx, n.mgr.KV())
	if err != nil {
		return "", ""
	}
	if node, addr = ownerNode(st, tenantID); node == n.mgr.Node() {
		return "", ""
	}
	return node, addr
}

// isPeer reports whether addr (an address as loginguard.Address gives it)
// is a live node of the cluster: the per-address connection cap does not
// count the sockets other nodes relay (each carries one client).
func (n *clusterNode) isPeer(addr string) bool {
	if n.mgr == nil {
		return false
	}
	return peerIn(n.mgr.LastStatus(), addr)
}

// peerIn reports whether addr is the host of a node's advertised address.
func peerIn(st cluster.Status, addr string) bool {
	for _, nd := range st.Nodes {
		host, _, err := net.SplitHostPort(nd.HTTP)
		if err != nil {
			continue
		}
		if ip := net.ParseIP(host); ip != nil && loginguard.Address(net.JoinHostPort(host, "0")) == addr {
			return true
		}
	}
	return false
}

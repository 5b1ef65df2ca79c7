package sip

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
)

// Center is what a call asks of its tenant's live center (*live.Center).
type Center interface {
	ReceiveVoice(ctx context.Context, ep model.EntryPoint, cust model.Customer, call live.VoiceCall) (*live.ReceivedCall, error)
	QueueVoice(ctx context.Context, rc *live.ReceivedCall, queueID int64) (live.VoiceArrival, error)
	AbandonReceived(ctx context.Context, rc *live.ReceivedCall) error
	VoicePosition(ctx context.Context, contactID int64) (pos int, ewt time.Duration, ok bool, err error)
	VoiceAnswered(ctx context.Context, agentID, contactID int64) error
	VoiceDeclined(ctx context.Context, agentID, contactID int64) error
	VoiceHangup(ctx context.Context, contactID int64) error
	VoiceCallback(ctx context.Context, contactID int64, number string) error
	VoiceSurvey(ctx context.Context, tenantID, contactID int64, score int) error
	SetAgentState(ctx context.Context, tenantID, agentID int64, state, reason string) error
}

// Cluster is the SIP server's view of a cluster of nodes (`plateau serve
// --nats`, docs/cluster.md): each tenant runs on one node, its owner.
// Every node listens for SIP; an INVITE or REGISTER for a tenant another
// node owns is redirected there (302 Moved Temporarily, the owner's SIP
// address as Contact), and gets 503 with Retry-After while no node owns
// it (a takeover).
type Cluster interface {
	// Center is the tenant's center when this node runs it, else nil.
	Center(tenantID int64) Center
	// Owner is the advertised SIP address (host:port) of the node that
	// runs the tenant when it is another one; "" when none does (or this
	// node is still starting it).
	Owner(ctx context.Context, tenantID int64) string
}

// clusterRetryAfter is the Retry-After (seconds) of the 503 answered while
// a tenant has no owner: a takeover takes at most the lease's TTL.
const clusterRetryAfter = 2

// centerOf is the center of a call of tenant: the one center on one node;
// on a node of a cluster the tenant's, or a stopped one when the node does
// not run it (any more).
func (s *Server) centerOf(tenant int64) Center {
	if s.cfg.Cluster == nil {
		return s.center
	}
	if c := s.cfg.Cluster.Center(tenant); c != nil {
		return c
	}
	return stoppedCenter{}
}

// elsewhere answers a request for tenant that this node does not run: 302
// to the owner's SIP address, or 503 with Retry-After while there is
// none. It reports whether it answered.
func (s *Server) elsewhere(ctx context.Context, req *sipmsg.Request, tx sipmsg.ServerTransaction, tenant int64) bool {
	if s.cfg.Cluster == nil || s.cfg.Cluster.Center(tenant) != nil {
		return false
	}
	owner := s.cfg.Cluster.Owner(ctx, tenant)
	host, port, err := net.SplitHostPort(owner)
	n, perr := strconv.Atoi(port)
	if owner == "" || err != nil || perr != nil {
		reply(req, tx, sipmsg.StatusServiceUnavailable, "Tenant Moving", sipmsg.NewHeader("Retry-After", strconv.Itoa(clusterRetryAfter)))
		return true
	}
	// The same request URI (the entry number, or the registrar's
	// address), at the owner, over the transport the request came by;
	// over TLS at the owner's host and this node's TLS port (the nodes'
	// [sip] sections are alike but for their addresses).
	u := sipmsg.Uri{Scheme: "sip", User: req.Recipient.User, Host: host, Port: n}
	switch t := strings.ToLower(req.Transport()); {
	case t == "tls" && s.tlsAddr.IsValid():
		u.Port = int(s.tlsAddr.Port())
		u.UriParams = params("transport", t)
	case t != "" && t != "udp":
		u.UriParams = params("transport", t)
	}
	res := sipmsg.NewResponseFromRequest(req, sipmsg.StatusMovedTemporarily, "Moved Temporarily", nil)
	res.AppendHeader(&sipmsg.ContactHeader{Address: u})
	respond(tx, res)
	s.log.Debug("sip: redirected to the tenant's owner", "method", req.Method, "tenant", tenant, "owner", owner)
	return true
}

// HangUpTenant ends the calls of a tenant this node stopped running (its
// lease moved or was lost): their center is gone, and the new owner closes
// their records (a call's signalling and media cannot move).
func (s *Server) HangUpTenant(tenant int64) {
	s.mu.Lock()
	var calls []*call
	for c := range s.all {
		if c.tenant == tenant {
			calls = append(calls, c)
		}
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.shutdown()
	}
	if len(calls) > 0 {
		s.log.Warn("sip: this node stopped running the tenant: its calls are hung up", "tenant", tenant, "calls", len(calls))
	}
}

// stoppedCenter answers for a tenant this node does not run.
type stoppedCenter struct{}

func (stoppedCenter) err(what string) error { return fmt.Errorf("%s: %w", what, live.ErrStopped) }

func (c stoppedCenter) ReceiveVoice(context.Context, model.EntryPoint, model.Customer, live.VoiceCall) (*live.ReceivedCall, error) {
	return nil, c.err("arrive call")
}
func (c stoppedCenter) QueueVoice(context.Context, *live.ReceivedCall, int64) (live.VoiceArrival, error) {
	return live.VoiceArrival{}, c.err("queue call")
}
func (c stoppedCenter) AbandonReceived(context.Context, *live.ReceivedCall) error {
	return c.err("abandon call")
}
func (c stoppedCenter) VoicePosition(context.Context, int64) (int, time.Duration, bool, error) {
	return 0, 0, false, c.err("position of call")
}
func (c stoppedCenter) VoiceAnswered(context.Context, int64, int64) error {
	return c.err("answer call")
}
func (c stoppedCenter) VoiceDeclined(context.Context, int64, int64) error {
	return c.err("decline call")
}
func (c stoppedCenter) VoiceHangup(context.Context, int64) error { return c.err("hang up call") }
func (c stoppedCenter) VoiceCallback(context.Context, int64, string) error {
	return c.err("callback of call")
}
func (c stoppedCenter) VoiceSurvey(context.Context, int64, int64, int) error {
	return c.err("rate call")
}
func (c stoppedCenter) SetAgentState(context.Context, int64, int64, string, string) error {
	return c.err("set agent state")
}

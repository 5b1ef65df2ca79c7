package server

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/plateau-cc/plateau/internal/cluster"
	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/sip"
)

// SIP on a node of a cluster (docs/cluster.md, "SIP on several nodes"):
// every node listens for SIP on its own address, advertised in the node
// registry beside the web one; a call or a phone's registration for a
// tenant another node owns is redirected there (sip.Cluster), the owner's
// tenant centers place its callbacks and ring its agents, and a node that
// stops running a tenant hangs its calls up (the new owner closes their
// records when it restores the tenant).

// sipVoice is what the node's SIP server gives each tenant center it
// starts: the dialer of callbacks and the browser softphone.
type sipVoice struct {
	srv  *sip.Server
	soft live.Softphone
}

// setSIP makes the tenant centers this node starts from now on use srv.
func (n *clusterNode) setSIP(srv *sip.Server, soft live.Softphone) {
	n.mu.Lock()
	n.voice = &sipVoice{srv: srv, soft: soft}
	n.mu.Unlock()
}

// sipVoice is the node's SIP, nil without.
func (n *clusterNode) sipVoice() *sipVoice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.voice
}

// voiceStarted connects a tenant center that starts to the node's SIP
// server, before it serves anybody: a restored callback coming up is
// placed by this node.
func (n *clusterNode) voiceStarted(c *live.Center) {
	v := n.sipVoice()
	if v == nil {
		return
	}
	c.SetVoiceDialer(v.srv)
	if v.soft != nil {
		c.SetSoftphone(v.soft)
	}
}

// voiceLost hangs up the calls of a tenant this node no longer runs.
func (n *clusterNode) voiceLost(tenantID int64) {
	if v := n.sipVoice(); v != nil {
		v.srv.HangUpTenant(tenantID)
	}
}

// sipCluster is the node as the SIP server sees it.
type sipCluster struct{ n *clusterNode }

func (sc sipCluster) Center(tenantID int64) sip.Center {
	if c := sc.n.center(tenantID); c != nil {
		return c
	}
	return nil // not a typed nil: the SIP server tests for nil
}

// Owner is the SIP address of the tenant's owner from the manager's last
// view of the bucket (at most TTL/10 old), read again when it names no
// other node. An owner that missed two renewals of its registry entry is
// taken for dead (its lease ages out soon): none, so the call gets 503
// and Retry-After rather than a redirect to a node that would not answer
// (a carrier waits 32 s for a UDP INVITE sent there).
func (sc sipCluster) Owner(ctx context.Context, tenantID int64) string {
	n := sc.n
	silent := 2 * n.mgr.RenewEvery()
	if a := sipOwnerIn(n.mgr.LastStatus(), tenantID, n.mgr.Node(), time.Now(), silent); a != "" {
		return a
	}
	if n.mgr.Owns(tenantID) {
		return "" // this node is starting it
	}
	st, err := cluster.ReadStatus(ctx, n.mgr.KV())
	if err != nil {
		return ""
	}
	return sipOwnerIn(st, tenantID, n.mgr.Node(), time.Now(), silent)
}

// sipOwnerIn is the SIP address of the node that holds tenantID's lease
// in st, "" when it is self, has none, or has not rewritten its registry
// entry for silent (it renews it every RenewEvery).
func sipOwnerIn(st cluster.Status, tenantID int64, self string, now time.Time, silent time.Duration) string {
	for _, l := range st.Leases {
		if l.TenantID != tenantID || l.Node == self {
			continue
		}
		for _, nd := range st.Nodes {
			if nd.Node == l.Node && now.Sub(nd.SeenAt) <= silent {
				return nd.SIP
			}
		}
	}
	return ""
}

// sipAdvertise is the SIP address the other nodes redirect this node's
// tenants' calls to: cluster.sip_advertise, else the address SIP is bound
// to, with the media address (sip.rtp_host) as host when bound to every
// address.
func sipAdvertise(cfg Config, bound netip.AddrPort) (string, error) {
	if cfg.Cluster.SIPAdvertise != "" {
		return cfg.Cluster.SIPAdvertise, nil
	}
	if !bound.Addr().IsUnspecified() {
		return bound.String(), nil
	}
	host, err := netip.ParseAddr(cfg.SIP.RTPHost)
	if err != nil || host.IsUnspecified() {
		return "", fmt.Errorf("cluster: SIP listens on every address (%s): set cluster.sip_advertise, the host:port the carriers and the other nodes reach this node's SIP at", bound)
	}
	return net.JoinHostPort(host.String(), fmt.Sprint(bound.Port())), nil
}

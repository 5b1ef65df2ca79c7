package sip

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Trunk is a carrier's SIP trunk: the INVITEs from its addresses are held
// to its own rate and call limits, not to the per-source limits meant for
// phones, and may reach only its numbers.
type Trunk struct {
	// Name identifies the trunk in logs.
	Name string
	// Sources are the carrier's addresses (IPs or CIDR prefixes).
	Sources []netip.Prefix
	// Transport restricts the trunk to "udp", "tcp" or "tls" ("": any).
	Transport string
	// InviteRate and InviteBurst limit the trunk's INVITEs in all
	// (defaults DefaultTrunkInviteRate and twice the rate).
	InviteRate, InviteBurst float64
	// MaxCalls caps the trunk's calls in progress (0: only Config.MaxCalls).
	MaxCalls int
	// DIDs are the entry numbers the trunk delivers; empty: any.
	DIDs []string
}

// DefaultTrunkInviteRate is a trunk's INVITEs per second by default.
const DefaultTrunkInviteRate = 100

// ParsePrefix reads an IP address or a CIDR prefix.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func (t *Trunk) validate() error {
	if t.Name == "" {
		return fmt.Errorf("sip trunk: a name is needed")
	}
	if len(t.Sources) == 0 {
		return fmt.Errorf("sip trunk %s: no source address", t.Name)
	}
	switch strings.ToLower(t.Transport) {
	case "", "udp", "tcp", "tls":
	default:
		return fmt.Errorf("sip trunk %s: transport %q: want udp, tcp or tls", t.Name, t.Transport)
	}
	if t.InviteRate < 0 || t.InviteBurst < 0 || t.MaxCalls < 0 {
		return fmt.Errorf("sip trunk %s: negative limit", t.Name)
	}
	if t.InviteRate == 0 {
		t.InviteRate = DefaultTrunkInviteRate
	}
	if t.InviteBurst == 0 {
		t.InviteBurst = 2 * t.InviteRate
	}
	return nil
}

// trunkState is a trunk and its counters.
type trunkState struct {
	cfg     Trunk
	invites *limiter // one key: the trunk
	mu      sync.Mutex
	calls   int
}

func newTrunks(ts []Trunk) []*trunkState {
	out := make([]*trunkState, 0, len(ts))
	for _, t := range ts {
		out = append(out, &trunkState{cfg: t, invites: newLimiter(t.InviteRate, t.InviteBurst)})
	}
	return out
}

// trunkOf is the trunk a request came from, nil for any other source.
func (s *Server) trunkOf(req *sipmsg.Request) *trunkState {
	ip, err := netip.ParseAddr(sourceHost(req))
	if err != nil {
		return nil
	}
	ip = ip.Unmap()
	for _, t := range s.trunks {
		if t.cfg.Transport != "" && !strings.EqualFold(t.cfg.Transport, req.Transport()) {
			continue
		}
		if slices.ContainsFunc(t.cfg.Sources, func(p netip.Prefix) bool { return p.Contains(ip) }) {
			return t
		}
	}
	return nil
}

// delivers reports whether the trunk may reach number.
func (t *trunkState) delivers(number string) bool {
	return len(t.cfg.DIDs) == 0 || slices.Contains(t.cfg.DIDs, number)
}

// take reserves one of the trunk's calls; false when it has MaxCalls.
func (t *trunkState) take() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg.MaxCalls > 0 && t.calls >= t.cfg.MaxCalls {
		return false
	}
	t.calls++
	return true
}

func (t *trunkState) release() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.calls--
	t.mu.Unlock()
}

// limitedTrunk answers 503 with Retry-After when the trunk is over its rate.
func (s *Server) limitedTrunk(t *trunkState, req *sipmsg.Request, tx sipmsg.ServerTransaction) bool {
	ok, wait := t.invites.allow(t.cfg.Name, s.now())
	if ok {
		return false
	}
	reply(req, tx, sipmsg.StatusServiceUnavailable, "Trunk Rate Limited", sipmsg.NewHeader("Retry-After", strconv.Itoa(retryAfter(wait))))
	return true
}

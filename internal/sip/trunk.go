package sip

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Trunk is a carrier's SIP trunk: the INVITEs from its addresses are held
// to its own rate and call limits, not to the per-source limits meant for
// phones, and may reach only its numbers. With RefuseUnknown its numbers
// take calls from no other source; with Outbound it can carry the
// callbacks (Config.CallbackTrunk), authenticating with Username and
// Password when the carrier challenges (401 or 407).
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
	// RefuseUnknown refuses (403) the INVITEs to the trunk's DIDs (every
	// number when it lists none) from any source that is no trunk.
	RefuseUnknown bool
	// Outbound (host:port) is where the calls Plateau places through the
	// trunk go; empty: the trunk only delivers calls.
	Outbound string
	// Username and Password answer the carrier's digest challenges on
	// outbound calls (both or neither).
	Username, Password string
	// FromUser is the calling number (From user) of outbound calls
	// (default Username, else "plateau"); Domain the host of their
	// Request-URI and From (default Outbound's host).
	FromUser, Domain string
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

// Check reports what is wrong with the trunk's settings, if anything.
func (t Trunk) Check() error { return t.validate() }

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
	if t.Outbound != "" {
		if _, _, err := net.SplitHostPort(t.Outbound); err != nil {
			return fmt.Errorf("sip trunk %s: outbound %q: %w", t.Name, t.Outbound, err)
		}
		if strings.EqualFold(t.Transport, "tls") {
			return fmt.Errorf("sip trunk %s: outbound calls over TLS are not supported (udp or tcp)", t.Name)
		}
	}
	if (t.Username == "") != (t.Password == "") {
		return fmt.Errorf("sip trunk %s: username and password go together", t.Name)
	}
	if t.Username != "" && t.Outbound == "" {
		return fmt.Errorf("sip trunk %s: credentials without an outbound address", t.Name)
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

// refusesUnknown reports whether number takes calls only from a trunk.
func (s *Server) refusesUnknown(number string) bool {
	return slices.ContainsFunc(s.trunks, func(t *trunkState) bool { return t.cfg.RefuseUnknown && t.delivers(number) })
}

// trunkNamed is the trunk called name, nil for none.
func (s *Server) trunkNamed(name string) *trunkState {
	for _, t := range s.trunks {
		if t.cfg.Name == name {
			return t
		}
	}
	return nil
}

// outboundTarget is where a call to number through the trunk goes.
func (t *trunkState) outboundTarget(number string) (target, error) {
	host, _, _ := net.SplitHostPort(t.cfg.Outbound)
	domain := t.cfg.Domain
	if domain == "" {
		domain = host
	}
	var u sipmsg.Uri
	if err := sipmsg.ParseUri("sip:"+number+"@"+domain, &u); err != nil {
		return target{}, fmt.Errorf("trunk %s: request URI for %s: %w", t.cfg.Name, number, err)
	}
	transport := strings.ToUpper(t.cfg.Transport)
	if transport == "" {
		transport = "UDP"
	}
	from := t.cfg.FromUser
	if from == "" {
		from = t.cfg.Username
	}
	return target{uri: u, dest: t.cfg.Outbound, transport: transport, trunk: t, fromUser: from, fromHost: domain}, nil
}

// hold counts an outbound call on the trunk (never refused: the callback
// was accepted earlier); release gives it back.
func (t *trunkState) hold() {
	t.mu.Lock()
	t.calls++
	t.mu.Unlock()
}

// active is the trunk's calls in progress, both ways.
func (t *trunkState) active() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls
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

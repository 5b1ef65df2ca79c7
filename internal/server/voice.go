package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"

	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/softphone"
)

// DemoSIPAddr is where `plateau demo` serves SIP unless told otherwise.
const DemoSIPAddr = "127.0.0.1:5060"

// DemoMaxCalls caps the calls in progress in `plateau demo` unless the
// configuration says otherwise.
const DemoMaxCalls = 2000

// SIPConfig configures the SIP voice channel ([sip] in the TOML file).
type SIPConfig struct {
	// Addr is the UDP and TCP listen address; empty or "off": no SIP.
	Addr string `toml:"addr"`
	// TLSAddr, CertFile and KeyFile add SIP over TLS.
	TLSAddr  string `toml:"tls_addr"`
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// RTPHost is the IP media binds to and announces (default: Addr's host).
	RTPHost string `toml:"rtp_host"`
	// Realm of the digest challenges (default "plateau"); agents' SIP
	// passwords are stored hashed for it.
	Realm string `toml:"realm"`
	// AnnounceEvery is the period of the position announcement (default 60s).
	AnnounceEvery Duration `toml:"announce_every"`
	// CallbackGateway (host:port) receives the callbacks placed to
	// customers' numbers; without it callers are not offered a callback.
	CallbackGateway string `toml:"callback_gateway"`
	// CallbackTrunk names the [[sip.trunk]] (with an outbound address) the
	// callbacks go out through, instead of callback_gateway.
	CallbackTrunk string `toml:"callback_trunk"`
	// CallbackAllow lists the prefixes of the numbers that may be called
	// back ("+33", "06"); CallbackDeny the prefixes refused even so ("+338",
	// "08"). Without callback_allow no number may be: callbacks are not
	// offered.
	CallbackAllow []string `toml:"callback_allow"`
	CallbackDeny  []string `toml:"callback_deny"`
	// CallbacksPerNumber and CallbacksPerSource cap the callbacks per UTC
	// day to one number and from one source IP (defaults 3 and 10).
	CallbacksPerNumber int `toml:"callbacks_per_number"`
	CallbacksPerSource int `toml:"callbacks_per_source"`
	// MaxCalls caps the calls in progress (default 200) and
	// MaxCallsPerTenant one tenant's (default max_calls); past them
	// INVITEs get 503 with Retry-After.
	MaxCalls          int `toml:"max_calls"`
	MaxCallsPerTenant int `toml:"max_calls_per_tenant"`
	// InviteRate and RegisterRate are the INVITEs and REGISTERs accepted
	// per second from one source IP, InviteBurst and RegisterBurst how many
	// may come at once; past them requests get 503 with Retry-After. Zero:
	// the defaults (INVITE 5/s burst 20, REGISTER 2/s burst 10).
	InviteRate    float64 `toml:"invite_rate"`
	InviteBurst   float64 `toml:"invite_burst"`
	RegisterRate  float64 `toml:"register_rate"`
	RegisterBurst float64 `toml:"register_burst"`
	// ReadTimeout is how long a TCP or TLS connection may take to send a
	// whole message once begun, and its first one once connected (default
	// 5s); IdleTimeout closes a connection with no message for that long
	// (default 15m). MaxConnections caps the open SIP TCP and TLS
	// connections (default 4096), MaxConnectionsPerSource those from one IP
	// address (default 128); past them new connections are closed at once.
	ReadTimeout             Duration `toml:"read_timeout"`
	IdleTimeout             Duration `toml:"idle_timeout"`
	MaxConnections          int      `toml:"max_connections"`
	MaxConnectionsPerSource int      `toml:"max_connections_per_source"`
	// Trunks are the carriers' SIP trunks ([[sip.trunk]]).
	Trunks []TrunkConfig `toml:"trunk"`
	// DigestSHA256 also challenges phones with SHA-256 (RFC 8760).
	DigestSHA256 bool `toml:"digest_sha256"`
	// ICEServers are the STUN/TURN URLs of the agents' browser softphones
	// (none by default: host candidates on rtp_host, enough on a LAN).
	ICEServers []string `toml:"ice_servers"`
}

// TrunkConfig is a [[sip.trunk]] entry: a carrier whose INVITEs (from its
// sources, IPs or CIDRs, over transport if set) are held to the trunk's
// own invite_rate (100/s) and invite_burst (twice the rate), and
// max_calls (0: only sip.max_calls), not to the per-source limits meant
// for phones; dids lists the entry numbers it may reach (empty: any), and
// with refuse_unknown those numbers take calls from no other source.
// outbound (host:port) lets the callbacks go out through it
// (sip.callback_trunk), answering the carrier's challenges with username
// and password, from from_user (default username) at domain (default
// outbound's host).
type TrunkConfig struct {
	Name          string   `toml:"name"`
	Sources       []string `toml:"sources"`
	Transport     string   `toml:"transport"`
	InviteRate    float64  `toml:"invite_rate"`
	InviteBurst   float64  `toml:"invite_burst"`
	MaxCalls      int      `toml:"max_calls"`
	DIDs          []string `toml:"dids"`
	RefuseUnknown bool     `toml:"refuse_unknown"`
	Outbound      string   `toml:"outbound"`
	Username      string   `toml:"username"`
	Password      string   `toml:"password"`
	FromUser      string   `toml:"from_user"`
	Domain        string   `toml:"domain"`
}

func (t TrunkConfig) trunk() (sip.Trunk, error) {
	st := sip.Trunk{Name: t.Name, Transport: t.Transport, InviteRate: t.InviteRate, InviteBurst: t.InviteBurst, MaxCalls: t.MaxCalls, DIDs: t.DIDs,
		RefuseUnknown: t.RefuseUnknown, Outbound: t.Outbound, Username: t.Username, Password: t.Password, FromUser: t.FromUser, Domain: t.Domain}
	for _, src := range t.Sources {
		p, err := sip.ParsePrefix(src)
		if err != nil {
			return st, fmt.Errorf("sip.trunk %q: source %q: %w", t.Name, src, err)
		}
		st.Sources = append(st.Sources, p)
	}
	return st, nil
}

// softphoneConfig is the browser softphones' configuration: host
// candidates on the media address (every interface when it is unspecified).
func (c SIPConfig) softphoneConfig(log *slog.Logger) softphone.Config {
	host := c.RTPHost
	if host == "" {
		host, _, _ = net.SplitHostPort(c.Addr)
	}
	sc := softphone.Config{ICEServers: c.ICEServers, Logger: log}
	if a, err := netip.ParseAddr(host); err == nil && !a.IsUnspecified() {
		sc.HostIPs = []netip.Addr{a}
	}
	return sc
}

// Enabled reports whether SIP is on.
func (c SIPConfig) Enabled() bool { return c.Addr != "" && !strings.EqualFold(c.Addr, "off") }

func (c SIPConfig) validate() error {
	if !c.Enabled() {
		return nil
	}
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("sip.addr %q: %w", c.Addr, err))
	}
	if (c.CertFile == "") != (c.KeyFile == "") || (c.TLSAddr == "") != (c.CertFile == "") {
		errs = append(errs, errors.New("sip: TLS needs tls_addr, cert_file and key_file"))
	}
	for _, u := range c.ICEServers {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			errs = append(errs, fmt.Errorf("sip.ice_servers: %q is not a stun:, stuns:, turn: or turns: URL", u))
		}
	}
	if c.MaxCalls < 0 || c.MaxCallsPerTenant < 0 {
		errs = append(errs, errors.New("sip.max_calls and max_calls_per_tenant must not be negative"))
	}
	if c.CallbacksPerNumber < 0 || c.CallbacksPerSource < 0 {
		errs = append(errs, errors.New("sip.callbacks_per_number and callbacks_per_source must not be negative"))
	}
	if c.InviteRate < 0 || c.InviteBurst < 0 || c.RegisterRate < 0 || c.RegisterBurst < 0 {
		errs = append(errs, errors.New("sip.invite_rate, invite_burst, register_rate and register_burst must not be negative"))
	}
	if c.ReadTimeout.Duration < 0 || c.IdleTimeout.Duration < 0 || c.MaxConnections < 0 || c.MaxConnectionsPerSource < 0 {
		errs = append(errs, errors.New("sip.read_timeout, idle_timeout, max_connections and max_connections_per_source must not be negative"))
	}
	names := map[string]bool{}
	for _, t := range c.Trunks {
		st, err := t.trunk()
		if err == nil && (st.Name == "" || len(st.Sources) == 0) {
			err = fmt.Errorf("sip.trunk %q: a name and sources are needed", t.Name)
		}
		if err == nil && names[t.Name] {
			err = fmt.Errorf("sip.trunk %q: the name is used twice", t.Name)
		}
		if err == nil && (t.InviteRate < 0 || t.InviteBurst < 0 || t.MaxCalls < 0) {
			err = fmt.Errorf("sip.trunk %q: invite_rate, invite_burst and max_calls must not be negative", t.Name)
		}
		if err == nil {
			if cerr := st.Check(); cerr != nil {
				err = fmt.Errorf("sip.trunk %q: %w", t.Name, cerr)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
		names[t.Name] = true
	}
	if c.CallbackTrunk != "" {
		i := slices.IndexFunc(c.Trunks, func(t TrunkConfig) bool { return t.Name == c.CallbackTrunk })
		switch {
		case c.CallbackGateway != "":
			errs = append(errs, errors.New("sip: callback_gateway and callback_trunk: choose one"))
		case i < 0:
			errs = append(errs, fmt.Errorf("sip.callback_trunk %q: no [[sip.trunk]] of that name", c.CallbackTrunk))
		case c.Trunks[i].Outbound == "":
			errs = append(errs, fmt.Errorf("sip.callback_trunk %q: the trunk has no outbound address", c.CallbackTrunk))
		}
	}
	if c.AnnounceEvery.Duration < 0 {
		errs = append(errs, errors.New("sip.announce_every is negative"))
	}
	return errors.Join(errs...)
}

// sipConfig is the SIP server's configuration; recordings go under data.
func (c SIPConfig) sipConfig(data string) sip.Config {
	rec := ""
	if data != "" {
		rec = filepath.Join(data, "recordings")
	}
	var trunks []sip.Trunk
	for _, t := range c.Trunks {
		if st, err := t.trunk(); err == nil { // validate refused the others
			trunks = append(trunks, st)
		}
	}
	return sip.Config{Trunks: trunks, RecordingsDir: rec, Addr: c.Addr, TLSAddr: c.TLSAddr, CertFile: c.CertFile, KeyFile: c.KeyFile, RTPHost: c.RTPHost,
		Realm: c.Realm, AnnounceEvery: c.AnnounceEvery.Duration, CallbackGateway: c.CallbackGateway, CallbackTrunk: c.CallbackTrunk, DigestSHA256: c.DigestSHA256,
		CallbackAllow: c.CallbackAllow, CallbackDeny: c.CallbackDeny, CallbacksPerNumber: c.CallbacksPerNumber, CallbacksPerSource: c.CallbacksPerSource,
		MaxCalls: c.MaxCalls, MaxCallsPerTenant: c.MaxCallsPerTenant,
		InviteRate: c.InviteRate, InviteBurst: c.InviteBurst, RegisterRate: c.RegisterRate, RegisterBurst: c.RegisterBurst,
		ReadTimeout: c.ReadTimeout.Duration, IdleTimeout: c.IdleTimeout.Duration, MaxConns: c.MaxConnections, MaxConnsPerSource: c.MaxConnectionsPerSource}
}

package server

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Defaults of [http].
const (
	DefaultReadHeaderTimeout  = 10 * time.Second
	DefaultBodyTimeout        = 60 * time.Second
	DefaultIdleTimeout        = 30 * time.Second
	DefaultMaxConnsPerAddress = 256
	// DefaultMaxConns is the total cap when the open-files limit is not
	// known; otherwise the cap is that limit less a reserve for the
	// database, SIP and recordings (maxConnsFromLimit).
	DefaultMaxConns = 10000
)

// HTTPConfig is [http] in the TOML file. The older `http = "ADDR"` (the
// listen address alone) is still read.
type HTTPConfig struct {
	// Addr is the listen address (also `http = "ADDR"`, --http, PLATEAU_HTTP).
	Addr string `toml:"addr"`
	// Origins are the Origin hosts allowed to open the chat and agent
	// WebSockets ("shop.example.com", "*.example.com"; see
	// websocket.AcceptOptions.OriginPatterns). Empty accepts any origin:
	// no socket relies on cookies (agents sign in in the socket, customers
	// hold a resume token), but a center can pin its pages' origins.
	Origins []string `toml:"origins"`
	// ReadHeaderTimeout bounds reading a request's headers, BodyTimeout its
	// body, IdleTimeout a kept-alive connection between requests.
	ReadHeaderTimeout Duration `toml:"read_header_timeout"`
	BodyTimeout       Duration `toml:"body_timeout"`
	IdleTimeout       Duration `toml:"idle_timeout"`
	// FirstFrameTimeout closes a chat or agent WebSocket that has not
	// started, resumed or signed in by then (default 10s); PingInterval and
	// PingTimeout ping idle WebSockets and close those whose pong is late
	// (defaults 30s and 15s).
	FirstFrameTimeout Duration `toml:"first_frame_timeout"`
	PingInterval      Duration `toml:"ping_interval"`
	PingTimeout       Duration `toml:"ping_timeout"`
	// MaxConns caps the open connections (default: the open-files limit
	// less a reserve, or DefaultMaxConns), MaxConnsPerAddress those of one
	// source IP (default 256); past them a new connection is closed at
	// once. A negative value means no cap. Behind a reverse proxy every
	// client has the proxy's address: raise max_conns_per_address there.
	MaxConns           int `toml:"max_conns"`
	MaxConnsPerAddress int `toml:"max_conns_per_address"`
	// MetricsToken, when set, is required as "Authorization: Bearer
	// TOKEN" by /metrics; MetricsAddr serves /metrics on an address of its
	// own (and not on Addr). Without either /metrics is public.
	MetricsToken string `toml:"metrics_token"`
	MetricsAddr  string `toml:"metrics_addr"`
	// Pprof also serves Go's profiles (/debug/pprof/) on MetricsAddr, with
	// the block and mutex profiles sampled, to find where a load spends its
	// time; off by default, and refused without metrics_addr.
	Pprof bool `toml:"pprof"`
}

// UnmarshalTOML reads `http = "ADDR"` or an [http] table, refusing unknown
// keys in the table.
func (h *HTTPConfig) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		h.Addr = v
		return nil
	case map[string]any:
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(v); err != nil {
			return fmt.Errorf("http: %w", err)
		}
		type plain HTTPConfig // without this method
		p := plain(*h)
		md, err := toml.Decode(buf.String(), &p)
		if err != nil {
			return fmt.Errorf("http: %w", err)
		}
		if un := md.Undecoded(); len(un) > 0 {
			keys := make([]string, len(un))
			for i, k := range un {
				keys[i] = "http." + k.String()
			}
			return fmt.Errorf("unknown keys %s", strings.Join(keys, ", "))
		}
		*h = HTTPConfig(p)
		return nil
	}
	return fmt.Errorf("http: want a listen address or a table, got %T", v)
}

func (h HTTPConfig) validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		d    Duration
	}{{"read_header_timeout", h.ReadHeaderTimeout}, {"body_timeout", h.BodyTimeout}, {"idle_timeout", h.IdleTimeout},
		{"first_frame_timeout", h.FirstFrameTimeout}, {"ping_interval", h.PingInterval}, {"ping_timeout", h.PingTimeout}} {
		if d.d.Duration < 0 {
			errs = append(errs, fmt.Errorf("http.%s is negative", d.name))
		}
	}
	for _, o := range h.Origins {
		if o == "" || strings.Contains(o, "://") {
			errs = append(errs, fmt.Errorf("http.origins: %q: want a host pattern (shop.example.com, *.example.com), not a URL", o))
		}
	}
	if h.Pprof && h.MetricsAddr == "" {
		errs = append(errs, errors.New("http.pprof needs http.metrics_addr (the profiles are served only there)"))
	}
	return errors.Join(errs...)
}

// LoginConfig is [login]: the bounds on password sign-ins, shared by the
// REST login and the agents' WebSocket sign-in (see package loginguard).
type LoginConfig struct {
	// Concurrent password checks at once (default 4: each takes 19 MiB).
	Concurrent int `toml:"concurrent"`
	// PerAddressLogin tries per minute for one address and login (default
	// 10), PerAddress failed tries per minute from one address (default
	// 30), PerLogin failed tries per minute on one login (default 20).
	PerAddressLogin int `toml:"per_address_login"`
	PerAddress      int `toml:"per_address"`
	PerLogin        int `toml:"per_login"`
}

// ChatConfig is [chat]: the anonymous customers' web chat.
type ChatConfig struct {
	// StartsPerMinute is the chats one source address may start per minute
	// (default 10, burst as large); WaitingPerAddress the chats from one
	// address waiting at once on one entry point (default 5). Past them a
	// start is refused with a message the widget shows. Negative: no limit.
	StartsPerMinute   int `toml:"starts_per_minute"`
	WaitingPerAddress int `toml:"waiting_per_address"`
	// Grace is how long a waiting or connected customer whose socket
	// dropped keeps their place (default 2m); SilentGrace the same for a
	// waiting customer who never sent a message (default 20s).
	Grace       Duration `toml:"grace"`
	SilentGrace Duration `toml:"silent_grace"`
	// ResumeGrace is how long a resume token still shows a closed
	// conversation (its last messages, its survey) after it ended (default
	// 15m); after that the token is unknown.
	ResumeGrace Duration `toml:"resume_grace"`
}

func (c ChatConfig) validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		d    Duration
	}{{"grace", c.Grace}, {"silent_grace", c.SilentGrace}, {"resume_grace", c.ResumeGrace}} {
		if d.d.Duration < 0 {
			errs = append(errs, fmt.Errorf("chat.%s is negative", d.name))
		}
	}
	return errors.Join(errs...)
}

package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/plateau-cc/plateau/internal/server"
)

const serveHelp = `Usage: plateau serve [flags]

Runs Plateau: the REST API under /api/v1/ (OpenAPI at /api/v1/openapi.json),
the customers' web chat at /chat/{entry}/ws, the agents' WebSocket at
/agent/ws, /healthz, /readyz and Prometheus /metrics. The embedded default
keeps everything in --data (SQLite); --db postgres://... uses PostgreSQL.

Configuration comes from a TOML file (--config), then PLATEAU_* variables,
then flags; flags win. File keys: http, data, db, log_level, log_json,
shutdown_grace ("10s"), secure_cookies, sqlite_sync ("full", the default,
fsyncs every commit; "normal" survives kill -9 but not a power loss, and
takes many more contacts per second).

--nats URLS --node NAME (or [cluster] nats, node; PLATEAU_NATS, PLATEAU_NODE)
runs one node of a cluster on PostgreSQL and NATS JetStream: each tenant's
engine runs on the node holding its lease, any node accepts the sockets
(docs/cluster.md; other [cluster] keys: advertise, lease_ttl, replicas).

--sip ADDR (or [sip] addr, PLATEAU_SIP) adds the SIP voice channel on UDP and
TCP: calls to phone entry points are queued with spoken position and wait,
agents' phones register with the SIP credentials set through the API
(PUT /api/v1/tenants/{tid}/agents/{id}/sip). Other [sip] keys: tls_addr,
cert_file, key_file, rtp_host, realm, announce_every ("60s"),
callback_gateway (host:port for the callbacks callers ask for),
callback_allow and callback_deny (number prefixes; no callback without
callback_allow), callbacks_per_number (3 a day), callbacks_per_source (10),
max_calls (200 calls in progress) and max_calls_per_tenant, read_timeout
("5s", for a TCP/TLS message once begun) and idle_timeout ("15m"),
max_connections (4096 TCP/TLS) and max_connections_per_source (128),
digest_sha256, [[sip.trunk]] entries (name, sources, transport, invite_rate,
invite_burst, max_calls, dids: a carrier's calls, not held to the
per-source limits),
ice_servers (STUN/TURN URLs for the agents' browser softphones; none by
default). Recordings go under --data/recordings.

Flags:
`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serveHelp); fs.PrintDefaults() }
	cfg, err := server.Load(fs, args, os.Getenv)
	if err != nil {
		return usageOr(err)
	}
	logger := newLogger(cfg, stderr)
	server.StartProcess(logger)
	srv, err := server.Open(ctx, cfg, logger, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Plateau listening on http://%s\n", srv.Addr())
	return srv.Run(ctx)
}

// newLogger builds the slog logger the configuration asks for.
func newLogger(cfg server.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Package server assembles `plateau serve`: storage, the live routing
// center, the REST API, the WebSocket channels, health and metrics, with
// graceful shutdown.
package server

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/plateau-cc/plateau/internal/workforce"
)

// Config is the server's configuration. It is read from a TOML file, then
// the environment (PLATEAU_*), then flags: each later source wins.
type Config struct {
	// HTTP is the listen address of the web server (in the file, `http =
	// "ADDR"` or addr in [http]).
	HTTP string `toml:"-"`
	// Web is [http]: origins, timeouts, connection caps, /metrics.
	Web HTTPConfig `toml:"http"`
	// Login is [login]: the bounds on password sign-ins.
	Login LoginConfig `toml:"login"`
	// Chat is [chat]: limits and grace periods of the customers' chat.
	Chat ChatConfig `toml:"chat"`
	// Data is the folder for everything the embedded default keeps (the
	// SQLite database, recordings).
	Data string `toml:"data"`
	// DB is a database DSN; empty means SQLite in Data. postgres://... uses PostgreSQL.
	DB string `toml:"db"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `toml:"log_level"`
	// LogJSON writes logs as JSON lines.
	LogJSON bool `toml:"log_json"`
	// ShutdownGrace bounds the graceful shutdown.
	ShutdownGrace Duration `toml:"shutdown_grace"`
	// SecureCookies marks session cookies Secure (behind HTTPS).
	SecureCookies bool `toml:"secure_cookies"`
	// SQLiteSync is the embedded database's synchronous mode: full (the
	// default, survives power loss) or normal (survives kill -9; many more
	// commits per second). See store.Options.
	SQLiteSync string `toml:"sqlite_sync"`
	// ReportUpkeep is "on" (the default: the report rollups are kept up
	// to date every second) or "off" (changes stay marked and are rolled
	// up after a restart with it on, or by plateau report rebuild): for
	// measuring its cost, or troubleshooting.
	ReportUpkeep string `toml:"report_upkeep"`
	// SIP is the voice channel (off when its address is empty or "off").
	SIP SIPConfig `toml:"sip"`
	// Palmares is [palmares]: the weights of the palmarès score
	// ([palmares.weights]: localisation, permanent, training, turnover,
	// commitments, fair_contracts), training_target_hours and
	// turnover_cap; each unset value keeps workforce.DefaultConfig's. The
	// weights also come from PLATEAU_PALMARES_WEIGHTS
	// ("localisation=30,turnover=10").
	Palmares workforce.Config `toml:"palmares"`
	// Cluster is [cluster]: several nodes over NATS (docs/cluster.md).
	Cluster ClusterConfig `toml:"cluster"`
}

// Duration is a time.Duration written "30s" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// Defaults returns the embedded defaults.
func Defaults() Config {
	return Config{HTTP: "127.0.0.1:8080", Data: "data", LogLevel: "info", ShutdownGrace: Duration{10 * time.Second},
		Palmares: workforce.DefaultConfig()}
}

// DSN returns the database to open.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.Data, "plateau.db")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.HTTP == "" {
		errs = append(errs, errors.New("http: the listen address is empty"))
	}
	if c.DB == "" && c.Data == "" {
		errs = append(errs, errors.New("data: a data folder or a db DSN is needed"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.ReportUpkeep {
	case "", "on", "off":
	default:
		errs = append(errs, fmt.Errorf("report_upkeep %q: want on or off", c.ReportUpkeep))
	}
	switch strings.ToLower(c.SQLiteSync) {
	case "", "full", "normal":
	default:
		errs = append(errs, fmt.Errorf("sqlite_sync %q: want full or normal", c.SQLiteSync))
	}
	if err := c.Palmares.WithDefaults().Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.SIP.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Web.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Web.MetricsAddr != "" && c.Web.MetricsAddr == c.HTTP && !strings.HasSuffix(c.HTTP, ":0") {
		errs = append(errs, errors.New("http.metrics_addr is the listen address: leave it out to serve /metrics there"))
	}
	if err := c.Chat.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Cluster.validate(c); err != nil {
		errs = append(errs, err)
	}
	if c.ShutdownGrace.Duration < 0 {
		errs = append(errs, errors.New("shutdown_grace is negative"))
	}
	return errors.Join(errs...)
}

// Load builds the configuration for the flags in args: defaults, then the
// file named by --config (or PLATEAU_CONFIG), then PLATEAU_* variables,
// then the flags given. fs receives the flags; getenv reads the environment.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	cfg := Defaults()
	var flagCfg Config
	configFile := fs.String("config", "", "TOML configuration file (env PLATEAU_CONFIG)")
	fs.StringVar(&flagCfg.HTTP, "http", "", "HTTP listen address (env PLATEAU_HTTP; default "+cfg.HTTP+")")
	fs.StringVar(&flagCfg.Data, "data", "", "data folder of the embedded database (env PLATEAU_DATA; default "+cfg.Data+")")
	fs.StringVar(&flagCfg.DB, "db", "", "database DSN, e.g. postgres://user@host/db (env PLATEAU_DB; default SQLite in --data)")
	fs.StringVar(&flagCfg.LogLevel, "log-level", "", "debug, info, warn or error (env PLATEAU_LOG_LEVEL)")
	logJSON := fs.Bool("log-json", false, "JSON logs (env PLATEAU_LOG_JSON=1)")
	fs.StringVar(&flagCfg.SQLiteSync, "sqlite-sync", "", "SQLite synchronous mode: full (default) or normal (env PLATEAU_SQLITE_SYNC)")
	fs.StringVar(&flagCfg.SIP.Addr, "sip", "", "SIP listen address, UDP and TCP, or off (env PLATEAU_SIP; serve: off by default, demo: "+DemoSIPAddr+")")
	fs.StringVar(&flagCfg.Cluster.NATS, "nats", "", "NATS URLs (comma-separated): run as one node of a cluster (env PLATEAU_NATS; needs PostgreSQL and --node)")
	fs.StringVar(&flagCfg.Cluster.Node, "node", "", "this node's name in the cluster (env PLATEAU_NODE)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	file := *configFile
	if file == "" {
		file = getenv("PLATEAU_CONFIG")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return cfg, fmt.Errorf("read configuration: %w", err)
		}
		md, err := toml.Decode(string(b), &cfg)
		if err != nil {
			return cfg, fmt.Errorf("configuration %s: %w", file, err)
		}
		if un := md.Undecoded(); len(un) > 0 {
			keys := make([]string, len(un))
			for i, k := range un {
				keys[i] = k.String()
			}
			return cfg, fmt.Errorf("configuration %s: unknown keys %s", file, strings.Join(keys, ", "))
		}
		if cfg.Web.Addr != "" {
			cfg.HTTP = cfg.Web.Addr
		}
	}
	env := map[string]*string{"PLATEAU_HTTP": &cfg.HTTP, "PLATEAU_DATA": &cfg.Data, "PLATEAU_DB": &cfg.DB,
		"PLATEAU_LOG_LEVEL": &cfg.LogLevel, "PLATEAU_SQLITE_SYNC": &cfg.SQLiteSync, "PLATEAU_REPORT_UPKEEP": &cfg.ReportUpkeep, "PLATEAU_SIP": &cfg.SIP.Addr,
		"PLATEAU_NATS": &cfg.Cluster.NATS, "PLATEAU_NODE": &cfg.Cluster.Node, "PLATEAU_ADVERTISE": &cfg.Cluster.Advertise}
	for k, p := range env {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	if v := getenv("PLATEAU_PALMARES_WEIGHTS"); v != "" {
		w, err := workforce.ParseWeights(v, cfg.Palmares.Weights)
		if err != nil {
			return cfg, fmt.Errorf("PLATEAU_PALMARES_WEIGHTS: %w", err)
		}
		cfg.Palmares.Weights = w
	}
	if v := getenv("PLATEAU_LOG_JSON"); v == "1" || v == "true" {
		cfg.LogJSON = true
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["http"] {
		cfg.HTTP = flagCfg.HTTP
	}
	if set["data"] {
		cfg.Data = flagCfg.Data
	}
	if set["db"] {
		cfg.DB = flagCfg.DB
	}
	if set["log-level"] {
		cfg.LogLevel = flagCfg.LogLevel
	}
	if set["sqlite-sync"] {
		cfg.SQLiteSync = flagCfg.SQLiteSync
	}
	if set["sip"] {
		cfg.SIP.Addr = flagCfg.SIP.Addr
	}
	if set["nats"] {
		cfg.Cluster.NATS = flagCfg.Cluster.NATS
	}
	if set["node"] {
		cfg.Cluster.Node = flagCfg.Cluster.Node
	}
	if set["log-json"] {
		cfg.LogJSON = *logJSON
	}
	return cfg, cfg.Validate()
}

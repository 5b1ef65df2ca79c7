package server

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plateau.toml")
	if err := os.WriteFile(file, []byte("http = \"127.0.0.1:9000\"\ndata = \"/srv/plateau\"\nlog_level = \"warn\"\nshutdown_grace = \"3s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(c Config) bool
	}{
		{"defaults", nil, nil, func(c Config) bool {
			return c.HTTP == "127.0.0.1:8080" && c.DSN() == filepath.Join("data", "plateau.db")
		}},
		{"file", []string{"--config", file}, nil, func(c Config) bool {
			return c.HTTP == "127.0.0.1:9000" && c.LogLevel == "warn" && c.ShutdownGrace.Duration == 3*time.Second
		}},
		{"env over file", []string{"--config", file}, map[string]string{"PLATEAU_HTTP": ":7000"}, func(c Config) bool { return c.HTTP == ":7000" && c.Data == "/srv/plateau" }},
		{"flag over env", []string{"--config", file, "--http", ":6000"}, map[string]string{"PLATEAU_HTTP": ":7000"}, func(c Config) bool { return c.HTTP == ":6000" }},
		{"config from env", nil, map[string]string{"PLATEAU_CONFIG": file}, func(c Config) bool { return c.HTTP == "127.0.0.1:9000" }},
		{"postgres", []string{"--db", "postgres://u@h/db"}, nil, func(c Config) bool { return c.DSN() == "postgres://u@h/db" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg, err := Load(fs, tc.args, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(cfg) {
				t.Fatalf("got %+v", cfg)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "u.toml")
	os.WriteFile(unknown, []byte("htp = \"x\"\n"), 0o600)
	upkeep := filepath.Join(dir, "r.toml")
	os.WriteFile(upkeep, []byte("report_upkeep = \"sometimes\"\n"), 0o600)
	broken := filepath.Join(dir, "b.toml")
	os.WriteFile(broken, []byte("http = \n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", unknown}, "unknown keys htp"},
		{[]string{"--config", broken}, "b.toml"},
		{[]string{"--config", filepath.Join(dir, "missing.toml")}, "read configuration"},
		{[]string{"--log-level", "loud"}, "log_level"},
		{[]string{"--config", upkeep}, "report_upkeep"},
		{[]string{"--http", ""}, "listen address"},
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		_, err := Load(fs, tc.args, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestSIPConnectionKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.toml")
	os.WriteFile(file, []byte("[sip]\naddr = \"127.0.0.1:5060\"\nread_timeout = \"2s\"\nidle_timeout = \"1m\"\nmax_connections = 500\nmax_connections_per_source = 20\n"), 0o600)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := Load(fs, []string{"--config", file}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.SIP.sipConfig("")
	if sc.ReadTimeout != 2*time.Second || sc.IdleTimeout != time.Minute || sc.MaxConns != 500 || sc.MaxConnsPerSource != 20 {
		t.Fatalf("sip config %+v", sc)
	}
	os.WriteFile(file, []byte("[sip]\naddr = \"127.0.0.1:5060\"\nmax_connections = -1\n"), 0o600)
	if _, err := Load(flag.NewFlagSet("serve", flag.ContinueOnError), []string{"--config", file}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "max_connections") {
		t.Fatalf("negative max_connections: %v", err)
	}
}

func TestSIPTrunkEntries(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.toml")
	os.WriteFile(file, []byte("[sip]\naddr = \"127.0.0.1:5060\"\n[[sip.trunk]]\nname = \"carrier\"\nsources = [\"192.0.2.10\", \"198.51.100.0/24\"]\n"+
		"transport = \"udp\"\ninvite_rate = 50\nmax_calls = 300\ndids = [\"+33100000000\"]\n"), 0o600)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := Load(fs, []string{"--config", file}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.SIP.sipConfig("")
	if len(sc.Trunks) != 1 || len(sc.Trunks[0].Sources) != 2 || sc.Trunks[0].Sources[1].String() != "198.51.100.0/24" ||
		sc.Trunks[0].InviteRate != 50 || sc.Trunks[0].MaxCalls != 300 || sc.Trunks[0].DIDs[0] != "+33100000000" {
		t.Fatalf("trunks %+v", sc.Trunks)
	}
	os.WriteFile(file, []byte("[sip]\naddr = \"127.0.0.1:5060\"\n[[sip.trunk]]\nname = \"bad\"\nsources = [\"not-an-ip\"]\n"), 0o600)
	if _, err := Load(flag.NewFlagSet("serve", flag.ContinueOnError), []string{"--config", file}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "not-an-ip") {
		t.Fatalf("bad trunk source: %v", err)
	}
	// Outbound with credentials, named for the callbacks.
	os.WriteFile(file, []byte("[sip]\naddr = \"127.0.0.1:5060\"\ncallback_trunk = \"carrier\"\n[[sip.trunk]]\nname = \"carrier\"\nsources = [\"192.0.2.10\"]\n"+
		"refuse_unknown = true\noutbound = \"192.0.2.10:5060\"\nusername = \"acme\"\npassword = \"s3cret\"\nfrom_user = \"+33100000000\"\ndomain = \"sip.example\"\n"), 0o600)
	cfg, err = Load(flag.NewFlagSet("serve", flag.ContinueOnError), []string{"--config", file}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sc = cfg.SIP.sipConfig("")
	if tr := sc.Trunks[0]; sc.CallbackTrunk != "carrier" || !tr.RefuseUnknown || tr.Outbound != "192.0.2.10:5060" || tr.Username != "acme" ||
		tr.Password != "s3cret" || tr.FromUser != "+33100000000" || tr.Domain != "sip.example" {
		t.Fatalf("outbound trunk %+v, callback trunk %q", tr, sc.CallbackTrunk)
	}
	for body, want := range map[string]string{
		"callback_trunk = \"none\"\n": "no [[sip.trunk]]",
		"callback_trunk = \"c\"\n[[sip.trunk]]\nname = \"c\"\nsources = [\"192.0.2.1\"]\n": "no outbound address",
		"[[sip.trunk]]\nname = \"c\"\nsources = [\"192.0.2.1\"]\nusername = \"u\"\n":       "go together",
	} {
		os.WriteFile(file, []byte("[sip]\naddr = \"127.0.0.1:5060\"\n"+body), 0o600)
		if _, err := Load(flag.NewFlagSet("serve", flag.ContinueOnError), []string{"--config", file}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}

func TestPalmaresConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plateau.toml")
	if err := os.WriteFile(file, []byte("[palmares]\nturnover_cap = 0.3\n[palmares.weights]\nlocalisation = 40\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func(env map[string]string) (Config, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		return Load(fs, []string{"--config", file}, func(k string) string { return env[k] })
	}
	cfg, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := cfg.Palmares.Weights; w.Localisation != 40 || w.Permanent != 20 || cfg.Palmares.TurnoverCap != 0.3 || cfg.Palmares.TrainingTarget != 35 {
		t.Errorf("palmares %+v", cfg.Palmares)
	}
	cfg, err = load(map[string]string{"PLATEAU_PALMARES_WEIGHTS": "permanent=5"})
	if err != nil || cfg.Palmares.Weights.Permanent != 5 || cfg.Palmares.Weights.Localisation != 40 {
		t.Errorf("env weights %+v, %v", cfg.Palmares.Weights, err)
	}
	if _, err := load(map[string]string{"PLATEAU_PALMARES_WEIGHTS": "speed=5"}); err == nil {
		t.Error("an unknown criterion is accepted")
	}
	if err := os.WriteFile(file, []byte("[palmares]\nturnover_cap = -1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(nil); err == nil || !strings.Contains(err.Error(), "turnover_cap") {
		t.Errorf("a negative cap: %v", err)
	}
}

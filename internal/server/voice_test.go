package server

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSIPConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plateau.toml")
	toml := "[sip]\naddr = \"127.0.0.1:5070\"\nrtp_host = \"127.0.0.1\"\nannounce_every = \"30s\"\ncallback_gateway = \"127.0.0.1:5080\"\n" +
		"callback_allow = [\"+33\", \"0\"]\ncallback_deny = [\"+338\"]\ncallbacks_per_number = 2\nmax_calls = 50\nmax_calls_per_tenant = 10\n" +
		"invite_rate = 50\ninvite_burst = 100.5\nregister_rate = 4\nregister_burst = 12\n"
	if err := os.WriteFile(file, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func(args []string, env map[string]string) (Config, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		return Load(fs, args, func(k string) string { return env[k] })
	}
	cfg, err := load(nil, nil)
	if err != nil || cfg.SIP.Enabled() {
		t.Fatalf("serve has SIP off by default: %+v %v", cfg.SIP, err)
	}
	cfg, err = load([]string{"--config", file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.SIP.sipConfig("/srv/plateau")
	if !cfg.SIP.Enabled() || sc.Addr != "127.0.0.1:5070" || sc.AnnounceEvery != 30*time.Second || sc.CallbackGateway != "127.0.0.1:5080" ||
		sc.RecordingsDir != filepath.Join("/srv/plateau", "recordings") || len(sc.CallbackAllow) != 2 || sc.CallbackAllow[1] != "0" ||
		len(sc.CallbackDeny) != 1 || sc.CallbacksPerNumber != 2 ||
		sc.MaxCalls != 50 || sc.MaxCallsPerTenant != 10 ||
		sc.InviteRate != 50 || sc.InviteBurst != 100.5 || sc.RegisterRate != 4 || sc.RegisterBurst != 12 {
		t.Fatalf("from the file: %+v", sc)
	}
	if spc := cfg.SIP.softphoneConfig(nil); len(spc.ICEServers) != 0 || fmt.Sprint(spc.HostIPs) != "[127.0.0.1]" {
		t.Fatalf("softphone: %+v", spc)
	}
	cfg, err = load([]string{"--config", file}, map[string]string{"PLATEAU_SIP": "127.0.0.1:5090"})
	if err != nil || cfg.SIP.Addr != "127.0.0.1:5090" {
		t.Fatalf("env: %+v %v", cfg.SIP, err)
	}
	cfg, err = load([]string{"--config", file, "--sip", "off"}, map[string]string{"PLATEAU_SIP": "127.0.0.1:5090"})
	if err != nil || cfg.SIP.Enabled() {
		t.Fatalf("--sip off: %+v %v", cfg.SIP, err)
	}
	for _, bad := range []string{"[sip]\naddr = \"nope\"\n", "[sip]\naddr = \"127.0.0.1:5060\"\ncert_file = \"c.pem\"\n", "[sip]\nbogus = 1\n",
		"[sip]\naddr = \"127.0.0.1:5060\"\nice_servers = [\"http://stun.example\"]\n",
		"[sip]\naddr = \"127.0.0.1:5060\"\ncallbacks_per_number = -1\n", "[sip]\naddr = \"127.0.0.1:5060\"\nmax_calls = -1\n",
		"[sip]\naddr = \"127.0.0.1:5060\"\ninvite_rate = -1\n", "[sip]\naddr = \"127.0.0.1:5060\"\ninvite_burst = -0.5\n",
		"[sip]\naddr = \"127.0.0.1:5060\"\nregister_rate = -2\n", "[sip]\naddr = \"127.0.0.1:5060\"\nregister_burst = -10\n",
		"[sip]\naddr = \"127.0.0.1:5060\"\ninvite_rate = \"fast\"\n"} {
		if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := load([]string{"--config", file}, nil); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestSoftphoneConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plateau.toml")
	toml := "[sip]\naddr = \"0.0.0.0:5070\"\nice_servers = [\"stun:127.0.0.1:3478\", \"turn:127.0.0.1:3478\"]\n"
	if err := os.WriteFile(file, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := Load(fs, []string{"--config", file}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// An unspecified address: candidates on every interface.
	if spc := cfg.SIP.softphoneConfig(nil); fmt.Sprint(spc.ICEServers) != "[stun:127.0.0.1:3478 turn:127.0.0.1:3478]" || len(spc.HostIPs) != 0 {
		t.Fatalf("softphone: %+v", spc)
	}
}

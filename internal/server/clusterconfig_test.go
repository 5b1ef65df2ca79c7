package server

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestClusterConfig(t *testing.T) {
	load := func(args []string, env map[string]string) (Config, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		return Load(fs, args, func(k string) string { return env[k] })
	}
	pg := "postgres://u@db/plateau"
	cfg, err := load([]string{"--db", pg, "--nats", "nats://a:4222,nats://b:4222", "--node", "n-1"}, nil)
	if err != nil || !cfg.Cluster.Enabled() || cfg.Cluster.Node != "n-1" || cfg.Cluster.NATS != "nats://a:4222,nats://b:4222" {
		t.Fatalf("flags: %+v %v", cfg.Cluster, err)
	}
	cfg, err = load(nil, map[string]string{"PLATEAU_DB": pg, "PLATEAU_NATS": "nats://a:4222", "PLATEAU_NODE": "b"})
	if err != nil || cfg.Cluster.Node != "b" {
		t.Fatalf("environment: %+v %v", cfg.Cluster, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--nats", "nats://a:4222", "--node", "a"}, "needs PostgreSQL"},
		{[]string{"--db", pg, "--nats", "nats://a:4222"}, "cluster.node"},
		{[]string{"--db", pg, "--nats", "nats://a:4222", "--node", "a.b"}, "cluster.node"},
		{[]string{"--db", pg, "--node", "a"}, "without cluster.nats"},
	} {
		if _, err := load(c.args, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	// SIP on several nodes: every node listens; sip_advertise, when set,
	// is a host:port.
	cfg, err = load([]string{"--db", pg, "--nats", "nats://a:4222", "--node", "a", "--sip", "127.0.0.1:5060"}, nil)
	if err != nil || !cfg.SIP.Enabled() {
		t.Fatalf("--sip with --nats: %+v %v", cfg.SIP, err)
	}
	cfg.Cluster.SIPAdvertise = "sip.example.net"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "cluster.sip_advertise") {
		t.Errorf("sip_advertise without a port: %v", err)
	}
	cfg.Cluster.SIPAdvertise = "sip1.example.net:5060"
	if err := cfg.Validate(); err != nil {
		t.Errorf("sip_advertise %q: %v", cfg.Cluster.SIPAdvertise, err)
	}
	if cfg, err := load(nil, nil); err != nil || cfg.Cluster.Enabled() {
		t.Fatalf("no --nats: one node: %+v %v", cfg.Cluster, err)
	}
}

// TestDeployClusterConfig: the configuration of the worked three-node
// example (deploy/cluster) loads and validates as each of its nodes sees
// it, with the node's name and address from the environment.
func TestDeployClusterConfig(t *testing.T) {
	for _, node := range []string{"a", "b", "c"} {
		env := map[string]string{"PLATEAU_NODE": node, "PLATEAU_ADVERTISE": node + ":8080"}
		cfg, err := Load(flag.NewFlagSet("serve", flag.ContinueOnError), []string{"--config", "../../deploy/cluster/plateau.toml"},
			func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("node %s: %v", node, err)
		}
		if cfg.Cluster.Node != node || cfg.Cluster.Advertise != node+":8080" || cfg.Cluster.NATS == "" || !strings.HasPrefix(cfg.DB, "postgres://") {
			t.Errorf("node %s: %+v, db %s", node, cfg.Cluster, cfg.DB)
		}
	}
}

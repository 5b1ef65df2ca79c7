package server

import (
	"errors"
	"fmt"
	"strings"

	"github.com/plateau-cc/plateau/internal/cluster"
)

// ClusterConfig is [cluster]: `plateau serve --nats URLS --node NAME`.
type ClusterConfig struct {
	// NATS is the NATS servers' URLs, comma-separated; empty: one node.
	NATS string `toml:"nats"`
	// Node is this node's name, unique in the cluster.
	Node string `toml:"node"`
	// Advertise is the address other nodes reach this one's web server at
	// (host:port); empty means the listen address.
	Advertise string `toml:"advertise"`
	// LeaseTTL is the tenants' lease lifetime (default 8s; unset, a node
	// takes the one the cluster's bucket was made with): a dead node's
	// tenants are taken over within it. The same on every node.
	LeaseTTL Duration `toml:"lease_ttl"`
	// Replicas of the cluster's JetStream bucket, set when the first node
	// makes it (1 to 5; default 3 when NATS knows three servers or more,
	// else 1).
	Replicas int `toml:"replicas"`
}

// Enabled reports whether the server runs as a node of a cluster.
func (c ClusterConfig) Enabled() bool { return c.NATS != "" }

func (c ClusterConfig) validate(all Config) error {
	if !c.Enabled() {
		if c.Node != "" {
			return errors.New("cluster.node (--node) without cluster.nats (--nats)")
		}
		return nil
	}
	var errs []error
	if !cluster.ValidNode(c.Node) {
		errs = append(errs, fmt.Errorf("cluster.node (--node) %q: want 1 to 64 letters, digits, '-' or '_'", c.Node))
	}
	if !strings.HasPrefix(all.DB, "postgres://") && !strings.HasPrefix(all.DB, "postgresql://") {
		errs = append(errs, errors.New("cluster.nats (--nats) needs PostgreSQL (--db postgres://...): every node reads the same records"))
	}
	if all.SIP.Enabled() {
		errs = append(errs, errors.New("cluster.nats (--nats): SIP is not supported on several nodes yet (--sip off)"))
	}
	if c.LeaseTTL.Duration < 0 || c.LeaseTTL.Duration > 0 && c.LeaseTTL.Duration.Seconds() < 1 {
		errs = append(errs, errors.New("cluster.lease_ttl: at least 1s"))
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		errs = append(errs, errors.New("cluster.replicas: 1 to 5"))
	}
	return errors.Join(errs...)
}

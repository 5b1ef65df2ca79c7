package server

import (
	"errors"
	"fmt"
	"net"
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
	// SIPAdvertise is the SIP address (host:port) carriers and the other
	// nodes reach this one's SIP at: calls for the tenants it owns are
	// redirected there. Empty means the SIP listen address (its host
	// sip.rtp_host when listening on every address).
	SIPAdvertise string `toml:"sip_advertise"`
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
	if c.SIPAdvertise != "" {
		if _, _, err := net.SplitHostPort(c.SIPAdvertise); err != nil {
			errs = append(errs, fmt.Errorf("cluster.sip_advertise %q: want host:port: %w", c.SIPAdvertise, err))
		}
	}
	if c.LeaseTTL.Duration < 0 || c.LeaseTTL.Duration > 0 && c.LeaseTTL.Duration.Seconds() < 1 {
		errs = append(errs, errors.New("cluster.lease_ttl: at least 1s"))
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		errs = append(errs, errors.New("cluster.replicas: 1 to 5"))
	}
	return errors.Join(errs...)
}

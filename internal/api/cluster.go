package api

import (
	"context"
	"net/http"

	"github.com/plateau-cc/plateau/internal/cluster"
)

// ClusterStatus is GET /api/v1/cluster: the nodes of a cluster (plateau
// serve --nats), which node owns which tenant, since when, and each
// lease's age. On one node (no --nats), enabled is false and the lists are
// empty.
type ClusterStatus struct {
	Enabled bool `json:"enabled"`
	// Node is the node that answered.
	Node            string             `json:"node"`
	LeaseTTLSeconds float64            `json:"lease_ttl_seconds"`
	Nodes           []cluster.NodeInfo `json:"nodes"`
	Leases          []ClusterLease     `json:"leases"`
}

// ClusterLease is a tenant's lease, with the epoch the store has claimed
// for it (the fencing epoch: equal to the lease's once its owner runs it).
type ClusterLease struct {
	cluster.LeaseInfo
	AgeSeconds float64 `json:"age_seconds"` // since the lease's last renewal
	StoreEpoch int64   `json:"store_epoch"`
}

// ClusterStatuser is what the Live of a node of a cluster also does.
type ClusterStatuser interface {
	Status(ctx context.Context) (ClusterStatus, error)
}

func (a *API) clusterRoutes(v1 string) []route {
	return []route{
		mk(http.MethodGet, v1+"/cluster", "getCluster", "The cluster's nodes and tenant leases (platform admins)", accessPlatform,
			func(ctx context.Context, _ *call, _ *noBody) (ClusterStatus, error) {
				cs, ok := a.live.(ClusterStatuser)
				if !ok {
					return ClusterStatus{Nodes: []cluster.NodeInfo{}, Leases: []ClusterLease{}}, nil
				}
				return cs.Status(ctx)
			}),
	}
}

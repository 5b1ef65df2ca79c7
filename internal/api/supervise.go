package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/store"
)

// Live is the live contact center as the API uses it (*live.Center): the
// wallboard and the supervisor actions. Its errors: store.ErrNotFound,
// *model.ValidationError and *live.RefusedError map to API errors.
type Live interface {
	// Wallboard returns a tenant's live state and today's figures.
	Wallboard(ctx context.Context, tenantID int64) (live.Wallboard, error)
	// SetAgentState sets an agent's state on a supervisor's behalf.
	SetAgentState(ctx context.Context, tenantID, agentID int64, state, reason string) error
	// MoveContact moves a waiting contact to another queue of the tenant.
	MoveContact(ctx context.Context, tenantID, contactID, queueID int64) error
}

// Supervisor actions' bodies.
type (
	// AgentStateRequest sets an agent's state: "ready", "not_ready" (with
	// an optional reason) or "logged_out".
	AgentStateRequest struct {
		State  string `json:"state"`
		Reason string `json:"reason,omitempty"`
	}
	// MoveRequest moves a waiting contact to another queue of the tenant,
	// keeping its arrival time.
	MoveRequest struct {
		QueueID int64 `json:"queue_id"`
	}
)

func (a *API) superviseRoutes(v1 string) []route {
	return []route{
		mk(http.MethodPost, v1+"/tenants/{tid}/agents/{id}/state", "setAgentState",
			"Set an agent's state (its desktop is told); an agent without a connected desktop can only be logged out", accessTenantConfig,
			func(ctx context.Context, c *call, in *AgentStateRequest) (noContent, error) {
				lv, err := a.liveCenter()
				if err != nil {
					return noContent{}, err
				}
				if err := lv.SetAgentState(ctx, c.tid, c.id, in.State, in.Reason); err != nil {
					return noContent{}, liveError(err)
				}
				a.log.InfoContext(ctx, "audit: agent state set", "by", c.p.describe(), "tenant", c.tid, "agent", c.id, "state", in.State, "request_id", requestID(ctx))
				return noContent{}, nil
			}).withTag("supervision"),
		mk(http.MethodPost, v1+"/tenants/{tid}/interactions/{id}/move", "moveInteraction",
			"Move a waiting contact to another queue of the tenant, keeping its arrival time", accessTenantConfig,
			func(ctx context.Context, c *call, in *MoveRequest) (noContent, error) {
				lv, err := a.liveCenter()
				if err != nil {
					return noContent{}, err
				}
				if err := lv.MoveContact(ctx, c.tid, c.id, in.QueueID); err != nil {
					return noContent{}, liveError(err)
				}
				a.log.InfoContext(ctx, "audit: contact moved", "by", c.p.describe(), "tenant", c.tid, "interaction", c.id, "queue", in.QueueID, "request_id", requestID(ctx))
				return noContent{}, nil
			}).withTag("supervision"),
	}
}

// liveCenter is the live center, or an unavailable error without one.
func (a *API) liveCenter() (Live, error) {
	if a.live == nil {
		return nil, apiErr(CodeUnavailable, "the live contact center is not running in this server")
	}
	return a.live, nil
}

// liveError keeps the live center's message for the actions it refuses;
// other errors map as usual.
func liveError(err error) error {
	var re *live.RefusedError
	if errors.As(err, &re) {
		code := CodeConflict
		if errors.Is(re.Err, store.ErrNotFound) {
			code = CodeNotFound
		}
		return &Error{Code: code, Message: re.Message, Err: err}
	}
	if errors.Is(err, live.ErrStopped) {
		return &Error{Code: CodeUnavailable, Message: "the tenant's live contact center is not running now (stopping, or moving to another node): retry", Err: err}
	}
	return err
}

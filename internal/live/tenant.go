package live

import (
	"context"
	"fmt"
	"slices"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// A center of one tenant (Options.Tenant) loads, restores and signs out
// only that tenant's: another node may run the others.

// tenants lists the tenants the center runs.
func (c *Center) tenants(ctx context.Context) ([]model.Tenant, error) {
	if c.tenant == 0 {
		return c.st.ListTenants(ctx)
	}
	t, err := c.st.GetTenant(ctx, c.tenant)
	if err != nil {
		return nil, err
	}
	return []model.Tenant{t}, nil
}

// openInteractions lists the open contacts to restore.
func (c *Center) openInteractions(ctx context.Context) ([]model.Interaction, error) {
	open, err := c.st.ListOpenInteractions(ctx)
	if err != nil || c.tenant == 0 {
		return open, err
	}
	return slices.DeleteFunc(open, func(in model.Interaction) bool { return in.TenantID != c.tenant }), nil
}

// closeAgentStates ends the last stretches of the agents the stop signed out.
func (c *Center) closeAgentStates(ctx context.Context) error {
	if c.tenant == 0 {
		return c.st.CloseAgentStates(ctx, c.now())
	}
	if err := c.st.CloseTenantAgentStates(ctx, c.tenant, c.now()); err != nil {
		return fmt.Errorf("sign out tenant %d's agents: %w", c.tenant, err)
	}
	return nil
}

// Tenant is the one tenant the center runs, 0 when it runs them all.
func (c *Center) Tenant() int64 { return c.tenant }

// serves reports whether the center runs the tenant's engine.
func (c *Center) serves(tenantID int64) bool { return c.tenant == 0 || c.tenant == tenantID }

// fenced reports whether a one-tenant center's node no longer holds the
// tenant's lease: Run then stops before it decides anything more (a node
// woken from a pause past its lease acts no further for the tenant).
func (c *Center) fenced() bool {
	if c.fence == nil || c.tenant == 0 {
		return false
	}
	if _, ok := c.fence.Epoch(c.tenant); ok {
		return false
	}
	c.log.Warn("live center: this node no longer holds the tenant's lease, stopping", "tenant", c.tenant)
	return true
}

// sessionBase is the context of every session: the center's, with the
// node's fence when it has one, so that what a session's goroutine stores
// itself (a customer's new chat and messages, an agent's messages, notes
// and wrap-up) is refused once another node has claimed the tenant, as the
// engine's writes are: a node woken from a pause past its lease stores
// nothing more for the tenant from the frames it reads then.
func (c *Center) sessionBase() context.Context {
	if c.fence == nil {
		return c.stopped
	}
	return store.WithFence(c.stopped, c.fence)
}

// fenceBatchers makes the announcements' and agent states' batched writes
// carry the fence too.
func (c *Center) fenceBatchers() {
	if c.fence == nil {
		return
	}
	c.announcer.ctx = store.WithFence(c.announcer.ctx, c.fence)
	c.stateLog.ctx = store.WithFence(c.stateLog.ctx, c.fence)
}

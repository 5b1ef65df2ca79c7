package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
)

// WallboardEvery is how often the wallboard stream sends the wallboard.
const WallboardEvery = time.Second

// eventStream is the media type of Server-Sent Events.
const eventStream = "text/event-stream"

// wallboardAccess: admins, supervisors and client viewers of the tenant.
const wallboardAccess = accessTenantInteractions

func (a *API) wallboardRoutes(v1 string) []route {
	base := v1 + "/tenants/{tid}/wallboard"
	stream := mk(http.MethodGet, base+"/stream", "streamWallboard",
		"The wallboard as Server-Sent Events: one \"data: <wallboard JSON>\" event at once, then one every second", wallboardAccess,
		func(ctx context.Context, c *call, _ *noBody) (live.Wallboard, error) {
			return live.Wallboard{}, a.streamWallboard(ctx, c)
		}).withTag("supervision")
	stream.stream = eventStream
	return []route{
		mk(http.MethodGet, base, "getWallboard",
			"The tenant's live queues and agents with today's figures (since local midnight) and intraday 15-minute intervals", wallboardAccess,
			func(ctx context.Context, c *call, _ *noBody) (live.Wallboard, error) {
				lv, err := a.liveCenter()
				if err != nil {
					return live.Wallboard{}, err
				}
				wb, err := lv.Wallboard(ctx, c.tid)
				return forViewer(wb, c.p), liveError(err)
			}).withTag("supervision"),
		stream,
	}
}

// streamWallboard sends the wallboard every WallboardEvery until the client
// goes away. Errors before the first event are answered as usual; after
// it, the stream ends (EventSource reconnects by itself). The caller's
// credential is checked again before every event, so a closed session or
// a revoked token stops the stream.
func (a *API) streamWallboard(ctx context.Context, c *call) error {
	lv, err := a.liveCenter()
	if err != nil {
		return err
	}
	wb, err := lv.Wallboard(ctx, c.tid)
	if err != nil {
		return liveError(err)
	}
	wb = forViewer(wb, c.p)
	rc := http.NewResponseController(c.w)
	h := c.w.Header()
	h.Set("Content-Type", eventStream)
	h.Set("X-Accel-Buffering", "no") // proxies: do not buffer the stream
	c.w.WriteHeader(http.StatusOK)
	send := func(wb live.Wallboard) error {
		b, err := json.Marshal(wb)
		if err != nil {
			return fmt.Errorf("encode wallboard: %w", err)
		}
		if _, err := fmt.Fprintf(c.w, "data: %s\n\n", b); err != nil {
			return err
		}
		return rc.Flush()
	}
	fail := func(what string, err error) error {
		if ctx.Err() == nil {
			a.log.WarnContext(ctx, "wallboard stream ended", "what", what, "tenant", c.tid, "request_id", requestID(ctx), "err", err)
		}
		return nil
	}
	if _, err := fmt.Fprintf(c.w, "retry: %d\n\n", (2 * WallboardEvery).Milliseconds()); err != nil {
		return fail("write", err)
	}
	if err := send(wb); err != nil {
		return fail("write", err)
	}
	tick := time.NewTicker(WallboardEvery)
	defer tick.Stop()
	for {
		revoked := a.revoked.wait()
		select {
		case <-ctx.Done():
			return nil
		case <-a.streams.Done(): // the server shuts down
			return nil
		case <-tick.C:
		case <-revoked: // someone's access was removed: check ours at once
		}
		p, err := a.authenticate(ctx, c.r)
		if err == nil {
			err = wallboardAccess.authorize(p, c.tid)
		}
		if err != nil { // signed out, user deleted, token revoked: not a failure
			a.log.InfoContext(ctx, "wallboard stream ended: credential no longer valid", "tenant", c.tid, "request_id", requestID(ctx), "err", err)
			return nil
		}
		if wb, err = lv.Wallboard(ctx, c.tid); err != nil {
			return fail("wallboard", err)
		}
		wb = forViewer(wb, p)
		if err := send(wb); err != nil {
			return fail("write", err)
		}
	}
}

// forViewer leaves the waiting customers' names out for a client viewer:
// supervisors see who waits, the brand's viewers only the figures.
func forViewer(wb live.Wallboard, p *principal) live.Wallboard {
	if p == nil || p.Role != model.RoleClientViewer {
		return wb
	}
	queues := make([]live.WallboardQueue, len(wb.Queues))
	for i, q := range wb.Queues {
		q.Contacts = slices.Clone(q.Contacts)
		for j := range q.Contacts {
			q.Contacts[j].Name = ""
		}
		queues[i] = q
	}
	wb.Queues = queues
	agents := make([]live.AgentSnapshot, len(wb.Agents))
	for i, a := range wb.Agents {
		a.Contacts = slices.Clone(a.Contacts)
		for j := range a.Contacts {
			a.Contacts[j].Customer, a.Contacts[j].Consult = "", ""
		}
		agents[i] = a
	}
	wb.Agents = agents
	return wb
}

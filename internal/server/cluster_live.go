package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
)

// The API's live calls (api.Live, api.LiveWatch) on a node of a cluster:
// served by the tenant's center when it runs here, else sent to the
// tenant's owner as NATS request/reply on plateau.t.<tenant>.cmd
// (cluster_msg.go). The owner subscribes for each tenant it runs, from
// the moment its center is started, and unsubscribes at once when it
// loses the lease. No owner (no subscriber: NATS answers "no responders"
// at once) or no answer within the caller's deadline: live.ErrStopped,
// which the API answers 503 with Retry-After.

// liveCallTimeout bounds a live call whose context has no deadline.
const liveCallTimeout = 5 * time.Second

// maxCmdTimeout bounds how long an owner works on one command.
const maxCmdTimeout = 30 * time.Second

// errNoOwner: no node answered for the tenant (none runs it now, or it
// did not answer in time).
var errNoOwner = fmt.Errorf("no node runs this tenant now: %w", live.ErrStopped)

// serveCommands subscribes to the commands of tenant tid, which this node
// has just started (tc). Commands are answered one at a time per tenant,
// in order; a command that reaches a node which no longer runs the tenant
// (its lease lost, the unsubscription on its way) is left unanswered, so
// the new owner's answer is the one taken.
func (n *clusterNode) serveCommands(tid int64, tc *tenantCenter) error {
	sub, err := n.nc.Subscribe(cmdSubject(tid), func(m *nats.Msg) {
		if n.center(tid) != tc.c {
			return
		}
		var cmd liveCmd
		var rep liveReply
		if err := json.Unmarshal(m.Data, &cmd); err != nil || cmd.TenantID != tid {
			rep.Err = &wireError{Kind: "failed", Message: fmt.Sprintf("bad command for tenant %d: %v", tid, err)}
		} else {
			timeout := min(max(time.Duration(cmd.TimeoutMS)*time.Millisecond, 0), maxCmdTimeout)
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			var err error
			rep, err = serveCmd(ctx, tc.c, cmd)
			cancel()
			if err != nil {
				rep = liveReply{Err: encodeError(err)}
				n.log.Debug("cluster: command refused", "tenant", tid, "id", cmd.ID, "op", cmd.Op, "err", err)
			}
		}
		b, err := json.Marshal(rep)
		if err == nil {
			err = m.Respond(b)
		}
		if err != nil {
			n.log.Warn("cluster: answer a command", "tenant", tid, "id", cmd.ID, "op", cmd.Op, "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe to tenant %d's commands: %w", tid, err)
	}
	tc.cmds = sub
	return nil
}

// stopCommands unsubscribes from a tenant's commands (its lease is lost).
func (n *clusterNode) stopCommands(tid int64, tc *tenantCenter) {
	if tc.cmds == nil {
		return
	}
	// No command reaches the center from now on; the server drops the
	// interest when the UNSUB reaches it (a few ms: sent on its way here,
	// without blocking the lease manager's goroutine), after which a
	// request gets "no responders" at once.
	if err := tc.cmds.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		n.log.Warn("cluster: unsubscribe from a tenant's commands", "tenant", tid, "err", err)
	}
}

// callOwner runs cmd at the tenant's owner: this node's center when it
// runs the tenant (in-process, waiting while it is being restored), else
// over NATS within ctx's deadline (liveCallTimeout without one).
func (n *clusterNode) callOwner(ctx context.Context, cmd liveCmd) (liveReply, error) {
	if c := n.waitCenter(ctx, cmd.TenantID); c != nil {
		return serveCmd(ctx, c, cmd)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, liveCallTimeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	cmd.ID = n.cfg.Node + "/" + strconv.FormatInt(n.cmdSeq.Add(1), 10)
	cmd.TimeoutMS = time.Until(deadline).Milliseconds()
	b, err := json.Marshal(cmd)
	if err != nil {
		return liveReply{}, fmt.Errorf("encode command %s: %w", cmd.Op, err)
	}
	m, err := n.nc.RequestWithContext(ctx, cmdSubject(cmd.TenantID), b)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) { // the caller left
			return liveReply{}, fmt.Errorf("command %s for tenant %d: %w", cmd.Op, cmd.TenantID, ctx.Err())
		}
		n.log.Debug("cluster: command not answered", "tenant", cmd.TenantID, "id", cmd.ID, "op", cmd.Op, "err", err)
		return liveReply{}, fmt.Errorf("command %s for tenant %d: %w: %w", cmd.Op, cmd.TenantID, err, errNoOwner)
	}
	var rep liveReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return liveReply{}, fmt.Errorf("decode the answer to %s for tenant %d: %w", cmd.Op, cmd.TenantID, err)
	}
	if rep.Err != nil {
		return liveReply{}, rep.Err.decode()
	}
	return rep, nil
}

// Wallboard is the tenant's wallboard, from its owner.
func (n *clusterNode) Wallboard(ctx context.Context, tenantID int64) (live.Wallboard, error) {
	rep, err := n.callOwner(ctx, liveCmd{Op: opWallboard, TenantID: tenantID})
	if err != nil {
		return live.Wallboard{}, err
	}
	if rep.Wallboard == nil {
		return live.Wallboard{}, fmt.Errorf("wallboard of tenant %d: the owner's answer has none", tenantID)
	}
	return *rep.Wallboard, nil
}

// SetAgentState sets an agent's state at the tenant's owner.
func (n *clusterNode) SetAgentState(ctx context.Context, tenantID, agentID int64, state, reason string) error {
	_, err := n.callOwner(ctx, liveCmd{Op: opSetState, TenantID: tenantID, AgentID: agentID, State: state, Reason: reason})
	return err
}

// MoveContact moves a waiting contact at the tenant's owner.
func (n *clusterNode) MoveContact(ctx context.Context, tenantID, contactID, queueID int64) error {
	_, err := n.callOwner(ctx, liveCmd{Op: opMove, TenantID: tenantID, ContactID: contactID, QueueID: queueID})
	return err
}

// WatchChat is a live chat as a supervisor watching it sees it, from the
// tenant's owner.
func (n *clusterNode) WatchChat(ctx context.Context, tenantID, contactID, afterSeq int64) (live.LiveChat, error) {
	rep, err := n.callOwner(ctx, liveCmd{Op: opWatch, TenantID: tenantID, ContactID: contactID, AfterSeq: afterSeq})
	if err != nil {
		return live.LiveChat{}, err
	}
	if rep.Chat == nil {
		return live.LiveChat{}, fmt.Errorf("watch contact %d: the owner's answer has none", contactID)
	}
	return *rep.Chat, nil
}

// WhisperToAgent sends a supervisor's private note through the tenant's
// owner.
func (n *clusterNode) WhisperToAgent(ctx context.Context, tenantID, contactID, userID int64, author, body string) (model.Note, error) {
	rep, err := n.callOwner(ctx, liveCmd{Op: opNote, TenantID: tenantID, ContactID: contactID, UserID: userID, Author: author, Body: body})
	if err != nil {
		return model.Note{}, err
	}
	if rep.Note == nil {
		return model.Note{}, fmt.Errorf("note on contact %d: the owner's answer has none", contactID)
	}
	return *rep.Note, nil
}

// userChangeTimeout bounds how long the API waits for the owner to close
// a changed user's sockets.
const userChangeTimeout = 2 * time.Second

// userChanged has the tenant's owner close at once the sockets a deleted
// or changed user holds there, and waits for it (the API answers after):
// an agent deleted on any node gets no offer once the deletion is
// answered. Without an answer the change is published as the others are
// (plateau.change.<tenant>), and the edges close what they relay
// (cluster_revoke.go).
func (n *clusterNode) userChanged(ctx context.Context, tid, userID int64) error {
	ctx, cancel := context.WithTimeout(ctx, userChangeTimeout)
	defer cancel()
	_, err := n.callOwner(ctx, liveCmd{Op: opUserChanged, TenantID: tid, UserID: userID})
	return err
}

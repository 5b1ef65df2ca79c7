package live

import (
	"context"
	"errors"
	"fmt"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// codeSignedOut is the error frame sent to an agent whose access was
// removed (user deleted, password or role changed) before its socket closes.
const codeSignedOut = "signed_out"

// signedInUser is who signed a session in, as the store said then.
type signedInUser struct {
	tenantID, userID int64
	agentID          int64
	passwordHash     string
}

// signedIn remembers who signed session s in.
func (c *Center) signedIn(s *session, u model.User) {
	su := signedInUser{userID: u.ID, passwordHash: u.PasswordHash}
	if u.TenantID != nil {
		su.tenantID = *u.TenantID
	}
	if u.AgentID != nil {
		su.agentID = *u.AgentID
	}
	c.sessionsMu.Lock()
	defer c.sessionsMu.Unlock()
	if c.users == nil {
		c.users = map[*session]signedInUser{}
	}
	c.users[s] = su
}

// UserChanged closes at once the sessions a user signed in, unless the
// user still exists, is still the same agent and kept the password it
// signed in with: call it after a user is deleted or updated or its
// password set.
func (c *Center) UserChanged(ctx context.Context, tenantID, userID int64) error {
	c.sessionsMu.Lock()
	var mine []*session
	var was []signedInUser
	for s, su := range c.users {
		if su.userID == userID && su.tenantID == tenantID {
			mine = append(mine, s)
			was = append(was, su)
		}
	}
	c.sessionsMu.Unlock()
	if len(mine) == 0 {
		return nil
	}
	u, err := c.st.GetUser(ctx, &tenantID, userID)
	gone := errors.Is(err, store.ErrNotFound)
	if err != nil && !gone {
		return fmt.Errorf("user %d changed: %w", userID, err)
	}
	for i, s := range mine {
		why := signOutReason(was[i].agentID, was[i].passwordHash, u, gone)
		if why == "" {
			// Still signed in: the pseudonym may have changed.
			c.setPseudonym(ctx, was[i].agentID, u.Pseudonym)
			continue
		}
		c.log.Info("audit: agent session closed", "user", userID, "agent", was[i].agentID, "remote", s.remote, "why", why)
		s.sendError(codeSignedOut, why)
		s.finish()
	}
	return nil
}

// signOutReason says why a session signed in as agent agentID with the
// password hash passwordHash must close now that its user is u (gone: the
// user was deleted); "" when it may go on.
func signOutReason(agentID int64, passwordHash string, u model.User, gone bool) string {
	switch {
	case gone:
		return "your account was removed"
	case u.Disabled:
		return "your account was disabled"
	case u.Role != model.RoleAgent || u.AgentID == nil || *u.AgentID != agentID:
		return "your role was changed"
	case u.PasswordHash != passwordHash:
		return "your password was changed: sign in again"
	}
	return ""
}

// SignOutReason is why an agent's socket signed in as user was must close
// now that the user is now (gone: deleted), "" when it may stay open: the
// rule UserChanged applies, for the sockets a node of a cluster relays to
// the tenant's owner.
func SignOutReason(was, now model.User, gone bool) string {
	var agentID int64
	if was.AgentID != nil {
		agentID = *was.AgentID
	}
	return signOutReason(agentID, was.PasswordHash, now, gone)
}

// setPseudonym changes the name customers see of a signed-in agent.
func (c *Center) setPseudonym(ctx context.Context, agentID int64, pseudonym string) {
	err := c.do(ctx, func(o *owner) error {
		if a := o.agents[acd.AgentID(agentID)]; a != nil {
			a.pseudonym = pseudonym
		}
		return nil
	})
	if err != nil {
		c.log.Warn("pseudonym of a signed-in agent", "agent", agentID, "err", err)
	}
}

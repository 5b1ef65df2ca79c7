package live

import (
	"context"
	"errors"
	"net/http"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// maxLoginFailures closes an agent socket after that many failed sign-ins.
const maxLoginFailures = 3

// AgentHandler serves the agents' desktop: GET /agent/ws.
func (c *Center) AgentHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /agent/ws", c.serveAgent)
	return mux
}

// agentConn is one agent session's state, kept by its read loop.
type agentConn struct {
	c        *Center
	s        *session
	tenantID int64
	id       acd.AgentID // 0 until signed in
	failures int
	// session is the user of the browser session the handshake carried
	// (Options.SessionUser), nil without one.
	session *model.User
}

func (c *Center) serveAgent(w http.ResponseWriter, r *http.Request) {
	sessionUser := c.handshakeSession(r)
	c.upgrade(w, r, "agent", func(s *session) {
		ac := &agentConn{c: c, s: s, session: sessionUser}
		s.serve(ac.handle)
		if ac.id == 0 {
			return
		}
		ac.softphoneGone()
		ctx, cancel := context.WithTimeout(context.Background(), detachTimeout)
		defer cancel()
		if err := c.do(ctx, func(o *owner) error { o.detachAgent(ac.id, s); return nil }); err != nil {
			c.log.Debug("detach agent", "agent", ac.id, "err", err)
		}
	})
}

func (ac *agentConn) handle(f inFrame) error {
	if f.Type == "login" {
		done := ac.s.starting()
		err := ac.login(f)
		done(err == nil && ac.id != 0)
		return err
	}
	if ac.id == 0 {
		return &frameError{code: codeUnauthorized, msg: `send "login" first`}
	}
	c, ctx, id := ac.c, ac.s.ctx, ac.id
	cid := acd.ContactID(f.ContactID)
	needContact := func() error {
		if f.ContactID <= 0 {
			return badFrame("%s needs a contact_id", f.Type)
		}
		return nil
	}
	var err error
	switch f.Type {
	case "state":
		p, perr := presenceChange(f.State, f.Reason)
		if perr != nil {
			return badFrame("%v", perr)
		}
		err = c.do(ctx, func(o *owner) error { return o.setPresence(id, p, f.Reason) })
	case "accept":
		if err := needContact(); err != nil {
			return err
		}
		if ac.softphoneAccept(cid) {
			return nil
		}
		err = c.do(ctx, func(o *owner) error { return o.accept(id, cid) })
	case "decline":
		if err := needContact(); err != nil {
			return err
		}
		err = c.do(ctx, func(o *owner) error { return o.decline(id, cid) })
	case "message":
		if err := needContact(); err != nil {
			return err
		}
		return ac.message(f)
	case "end":
		if err := needContact(); err != nil {
			return err
		}
		err = c.do(ctx, func(o *owner) error { return o.end(id, cid) })
	case "wrap_up":
		if err := needContact(); err != nil {
			return err
		}
		return ac.wrapUp(f)
	case "typing":
		if err := needContact(); err != nil {
			return err
		}
		err = c.do(ctx, func(o *owner) error { return o.typingToCustomer(id, cid) })
	case "canned":
		return ac.canned()
	case "transfer_targets":
		if err := needContact(); err != nil {
			return err
		}
		return ac.transferTargets(cid)
	case "transfer":
		if err := needContact(); err != nil {
			return err
		}
		return ac.transfer(f)
	case "note":
		if err := needContact(); err != nil {
			return err
		}
		return ac.note(f)
	case "hold":
		if err := needContact(); err != nil {
			return err
		}
		return ac.hold(f)
	case "mute":
		if err := needContact(); err != nil {
			return err
		}
		return ac.mute(f)
	case "call_out":
		if err := needContact(); err != nil {
			return err
		}
		return ac.callOut(f)
	case "call_out_hangup":
		if err := needContact(); err != nil {
			return err
		}
		return ac.callOutHangup(f)
	case "search":
		return ac.search(f)
	case "my_figures":
		return ac.myFigures()
	case "softphone":
		return ac.softphone(f)
	case "rtc_answer":
		if err := needContact(); err != nil {
			return err
		}
		return ac.rtcAnswer(f)
	default:
		return badFrame("unknown type %q", f.Type)
	}
	return ac.refused(err)
}

func (ac *agentConn) refused(err error) error {
	if err == nil || errors.Is(err, ErrStopped) || ac.s.ctx.Err() != nil {
		return err
	}
	return &frameError{code: codeBadState, msg: err.Error()}
}

func (ac *agentConn) login(f inFrame) error {
	if ac.id != 0 {
		return &frameError{code: codeBadState, msg: "already signed in"}
	}
	c, ctx := ac.c, ac.s.ctx
	if f.Login == "" && f.Password == "" && ac.session != nil {
		return ac.signIn(*ac.session)
	}
	if f.Login == "" || f.Password == "" {
		if ac.session == nil && f.Login == "" && f.Password == "" {
			return &frameError{code: codeUnauthorized, msg: "no session: sign in with login and password"}
		}
		return badFrame("login needs login and password")
	}
	if len(f.Login) > loginguard.MaxLoginBytes || len(f.Password) > loginguard.MaxPasswordBytes {
		return badFrame("login is at most %d bytes and password %d", loginguard.MaxLoginBytes, loginguard.MaxPasswordBytes)
	}
	var u model.User
	err := c.logins.Check(ctx, ac.s.remote, f.Login, func(ctx context.Context) error {
		var err error
		u, err = c.st.CheckPassword(ctx, f.Login, f.Password)
		return err
	})
	if r, ok := loginguard.AsRefused(err); ok {
		c.log.Info("audit: agent sign-in refused", "login", f.Login, "remote", ac.s.remote, "reason", r.Reason)
		return &frameError{code: codeRateLimited, msg: r.Error(), retryAfter: r.Seconds()}
	}
	if errors.Is(err, store.ErrInvalidCredentials) {
		c.log.Info("audit: failed agent sign-in", "login", f.Login, "remote", ac.s.remote)
		ac.failures++
		if ac.failures >= maxLoginFailures {
			ac.s.sendError(codeUnauthorized, "too many failed sign-ins")
			ac.s.finish()
			return nil
		}
		return &frameError{code: codeUnauthorized, msg: "wrong login or password"}
	}
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		c.log.Error("agent sign-in", "err", err)
		return &frameError{code: codeUnavailable, msg: "try again later"}
	}
	return ac.signIn(u)
}

// signIn attaches the agent of user u (checked by password or by its
// browser session) to the session.
func (ac *agentConn) signIn(u model.User) error {
	c, ctx := ac.c, ac.s.ctx
	if u.Role != model.RoleAgent || u.AgentID == nil || u.TenantID == nil || !c.serves(*u.TenantID) {
		return &frameError{code: codeForbidden, msg: "this user is not an agent"}
	}
	a, err := c.st.GetAgent(ctx, *u.TenantID, *u.AgentID)
	if err != nil {
		return &frameError{code: codeForbidden, msg: "no such agent"}
	}
	name := u.DisplayName
	if name == "" {
		name = a.Name
	}
	c.signedIn(ac.s, u) // from now on, removing the user closes the socket
	if err := c.do(ctx, func(o *owner) error {
		if err := o.attachAgent(a, name, ac.s); err != nil {
			return err
		}
		o.agents[acd.AgentID(a.ID)].pseudonym = u.Pseudonym
		return nil
	}); err != nil {
		if errors.Is(err, ErrStopped) || ctx.Err() != nil {
			return err
		}
		return &frameError{code: codeUnavailable, msg: err.Error()}
	}
	ac.id, ac.tenantID = acd.AgentID(a.ID), a.TenantID
	ac.s.established()
	c.log.Info("audit: agent signed in", "agent", a.ID, "tenant", a.TenantID, "login", u.Login, "remote", ac.s.remote)
	return nil
}

func (ac *agentConn) message(f inFrame) error {
	if err := ac.s.checkMessage(f); err != nil {
		return err
	}
	c, ctx, id, cid := ac.c, ac.s.ctx, ac.id, acd.ContactID(f.ContactID)
	if err := ac.refused(c.do(ctx, func(o *owner) error { return o.holds(id, cid) })); err != nil {
		return err
	}
	aid := int64(id)
	m, created, err := c.st.AppendMessage(ctx, ac.tenantID, f.ContactID, model.Message{Sender: model.SenderAgent, AgentID: &aid,
		ClientMsgID: f.ClientMsgID, Body: f.Body, SentAt: c.now()})
	if err != nil {
		return storeErr(err)
	}
	ac.s.send(ackFrame{Type: "ack", ContactID: f.ContactID, ClientMsgID: f.ClientMsgID, Seq: m.Seq})
	if !created {
		return nil
	}
	c.metrics.message("agent")
	return c.do(ctx, func(o *owner) error { o.toCustomer(cid, toFrame(m, 0)); return nil })
}

func (ac *agentConn) wrapUp(f inFrame) error {
	c, ctx, id := ac.c, ac.s.ctx, ac.id
	in, err := c.st.GetInteraction(ctx, ac.tenantID, f.ContactID)
	if err == nil && (in.AgentID == nil || *in.AgentID != int64(id) || in.State == model.StateQueued || in.State == model.StateCallback) {
		return ac.transferredWrapUp(f) // it went on to another agent or queue
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && (in.AgentID == nil || *in.AgentID != int64(id))) {
		return &frameError{code: codeBadState, msg: "not your contact"}
	}
	if err != nil {
		return &frameError{code: codeUnavailable, msg: "try again later"}
	}
	if in.State == model.StateConnected || in.State == model.StateOffered {
		return &frameError{code: codeBadState, msg: `the conversation is not over: send "end" first`}
	}
	if err := c.st.SetDisposition(ctx, ac.tenantID, f.ContactID, f.Disposition, f.Notes); err != nil {
		return storeErr(err)
	}
	cid := acd.ContactID(f.ContactID)
	return ac.refused(c.do(ctx, func(o *owner) error { return o.finishWrapUp(id, cid) }))
}

// cannedItem is a canned response as the desktop gets it.
type cannedItem struct {
	Code  string `json:"code"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

type cannedFrame struct {
	Type  string       `json:"type"`
	Items []cannedItem `json:"items"`
}

// canned sends the tenant's canned responses.
func (ac *agentConn) canned() error {
	list, err := ac.c.st.ListCannedResponses(ac.s.ctx, ac.tenantID)
	if err != nil {
		ac.c.log.Error("list canned responses", "tenant", ac.tenantID, "err", err)
		return &frameError{code: codeUnavailable, msg: "try again later"}
	}
	f := cannedFrame{Type: "canned", Items: make([]cannedItem, 0, len(list))}
	for _, c := range list {
		f.Items = append(f.Items, cannedItem{Code: c.Code, Title: c.Title, Body: c.Body})
	}
	ac.s.send(f)
	return nil
}

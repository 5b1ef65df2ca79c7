package live

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// detachTimeout bounds the bookkeeping after a socket closes.
const detachTimeout = 5 * time.Second

// ChatHandler serves the customers' web chat: GET /chat/{entry}/ws, where
// entry is the address of a chat entry point, and the satisfaction survey
// after a conversation, POST /chat/{entry}/survey.
func (c *Center) ChatHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chat/{entry}/ws", c.serveChat)
	mux.HandleFunc("POST /chat/{entry}/survey", c.serveSurvey)
	mux.HandleFunc("OPTIONS /chat/{entry}/survey", c.surveyPreflight)
	return mux
}

// customer is one customer session's state, kept by its read loop.
type customer struct {
	c      *Center
	s      *session
	ep     model.EntryPoint
	id     int64 // the contact, once started or resumed
	queued bool
}

func (c *Center) serveChat(w http.ResponseWriter, r *http.Request) {
	ep, err := c.resolveChatEntry(r.Context(), r.PathValue("entry"))
	if err == nil && !c.serves(ep.TenantID) {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "no such chat", http.StatusNotFound)
		return
	}
	if err != nil {
		c.log.Error("resolve chat entry point", "err", err)
		http.Error(w, "chat unavailable", http.StatusServiceUnavailable)
		return
	}
	c.upgrade(w, r, "customer", func(s *session) {
		cu := &customer{c: c, s: s, ep: ep}
		s.serve(cu.handle)
		if cu.id == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), detachTimeout)
		defer cancel()
		id := acd.ContactID(cu.id)
		if err := c.do(ctx, func(o *owner) error { o.detachCustomer(id, s); return nil }); err != nil {
			c.log.Debug("detach customer", "contact", cu.id, "err", err)
		}
	})
}

func (cu *customer) handle(f inFrame) error {
	switch f.Type {
	case "start", "resume":
		done := cu.s.starting()
		var err error
		if f.Type == "start" {
			err = cu.start(f)
		} else {
			err = cu.resume(f)
		}
		done(err == nil && cu.id != 0)
		return err
	}
	switch f.Type {
	case "message", "callback", "leave", "typing":
	default:
		return badFrame("unknown type %q", f.Type)
	}
	if cu.id == 0 {
		return &frameError{code: codeBadState, msg: `send "start" or "resume" first`}
	}
	switch f.Type {
	case "message":
		return cu.message(f)
	case "callback":
		return cu.callback(f)
	case "typing":
		id := acd.ContactID(cu.id)
		return cu.c.do(cu.s.ctx, func(o *owner) error { o.typingToAgent(id); return nil })
	case "leave":
		id := acd.ContactID(cu.id)
		if err := cu.c.do(cu.s.ctx, func(o *owner) error { return o.leave(id) }); err != nil {
			return cu.stateErr(err)
		}
		return nil
	}
	return badFrame("unknown type %q", f.Type)
}

// stateErr turns a refused command into an error frame; a stopped center
// ends the session.
func (cu *customer) stateErr(err error) error {
	if errors.Is(err, ErrStopped) || cu.s.ctx.Err() != nil {
		return err
	}
	if errors.Is(err, errGone) {
		cu.s.send(endedFrame{Type: "ended"})
		cu.s.finish()
		return nil
	}
	return &frameError{code: codeBadState, msg: err.Error()}
}

func newToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func (cu *customer) start(f inFrame) error {
	if cu.id != 0 {
		return &frameError{code: codeBadState, msg: "already started"}
	}
	c, ctx := cu.c, cu.s.ctx
	cust := model.Customer{Name: f.Name, Email: f.Email, Phone: f.Phone}
	if err := cust.Validate(); err != nil {
		return invalidErr(err)
	}
	release, err := c.admitChat(cu.ep, cu.s.remote)
	if err != nil {
		return err
	}
	started := false
	defer func() {
		if !started {
			release()
		}
	}()
	qid := acd.QueueID(cu.ep.QueueID)
	var loaded bool
	if err := c.do(ctx, func(o *owner) error { loaded = o.knowsQueue(qid); return nil }); err != nil {
		return err
	}
	if !loaded {
		if err := c.Reload(ctx, Change{Kind: ChangeQueue, TenantID: cu.ep.TenantID, ID: cu.ep.QueueID}); err != nil {
			c.log.Warn("load queue of chat entry point", "queue", qid, "err", err)
		}
	}
	token, err := newToken()
	if err != nil {
		return err
	}
	// The chat's place in line: its stamp, and its ticket to reach the
	// engine after every chat stamped before it (order.go).
	ticket, arrivedAt := c.arrivals.take(c.now())
	defer c.arrivals.finish(ticket)
	epID := cu.ep.ID
	in := model.Interaction{QueueID: cu.ep.QueueID, Channel: model.ChannelChat, Customer: cust, ArrivedAt: arrivedAt,
		ResumeTokenHash: resumeHash(cu.ep, token), EntryPointID: &epID}
	// Stored and committed before the customer hears anything.
	id, err := c.st.CreateInteraction(ctx, cu.ep.TenantID, in)
	if err != nil {
		c.log.Error("store arriving chat", "entry", cu.ep.Address, "err", err)
		return &frameError{code: codeUnavailable, msg: "the chat is not available"}
	}
	in.ID, in.TenantID, in.State = id, cu.ep.TenantID, model.StateQueued
	rec := &contactRec{in: in, queue: qid, sess: cu.s, token: token, release: release}
	cu.id = id
	if err := c.arrivals.wait(ctx, ticket); err != nil {
		return err
	}
	if err := c.do(ctx, func(o *owner) error { return o.arrive(rec) }); err != nil {
		if errors.Is(err, ErrStopped) || ctx.Err() != nil {
			return err
		}
		c.log.Error("route arriving chat", "contact", id, "err", err)
		cu.id = 0
		return &frameError{code: codeUnavailable, msg: "the chat is not available"}
	}
	started = true // the contact gives its waiting place back from now on
	cu.s.established()
	return nil
}

func (cu *customer) resume(f inFrame) error {
	if cu.id != 0 {
		return &frameError{code: codeBadState, msg: "already started"}
	}
	if f.Token == "" {
		return badFrame("resume needs a token")
	}
	c, ctx := cu.c, cu.s.ctx
	in, err := c.findByResumeToken(ctx, cu.ep, f.Token)
	if errors.Is(err, store.ErrNotFound) {
		return &frameError{code: codeUnknownToken, msg: "no conversation with this token"}
	}
	if err != nil {
		c.log.Error("find chat by token", "err", err)
		return &frameError{code: codeUnavailable, msg: "try again later"}
	}
	id := acd.ContactID(in.ID)
	err = c.do(ctx, func(o *owner) error { return o.attachCustomer(id, cu.s, f.Token) })
	if err != nil && !errors.Is(err, errGone) {
		return err
	}
	// The messages the customer missed; live ones may repeat some of them
	// (clients keep one message per seq).
	msgs, lerr := c.st.ListMessages(ctx, in.TenantID, in.ID, max(f.LastSeq, 0))
	if lerr != nil {
		c.log.Error("list messages on resume", "contact", in.ID, "err", lerr)
	}
	for _, m := range msgs {
		cu.s.send(toFrame(m, 0))
	}
	if errors.Is(err, errGone) {
		// Over: the customer may still rate an answered conversation.
		cu.s.send(endedFrame{Type: "ended", Survey: in.AnsweredAt != nil && in.CSATScore == nil})
		cu.s.finish()
		return nil
	}
	cu.id = in.ID
	cu.s.established()
	return nil
}

func (cu *customer) message(f inFrame) error {
	if err := cu.s.checkMessage(f); err != nil {
		return err
	}
	c, ctx := cu.c, cu.s.ctx
	m, created, err := c.st.AppendMessage(ctx, cu.ep.TenantID, cu.id, model.Message{Sender: model.SenderCustomer, ClientMsgID: f.ClientMsgID, Body: f.Body, SentAt: c.now()})
	if err != nil {
		return storeErr(err)
	}
	cu.s.send(ackFrame{Type: "ack", ClientMsgID: f.ClientMsgID, Seq: m.Seq})
	if !created {
		return nil
	}
	c.metrics.message("customer")
	id := acd.ContactID(cu.id)
	return c.do(ctx, func(o *owner) error { o.toAgent(id, toFrame(m, cu.id)); return nil })
}

// storeErr maps a refused write to an error frame.
func storeErr(err error) error {
	switch {
	case errors.Is(err, store.ErrInvalid):
		return &frameError{code: codeInvalid, msg: err.Error()}
	case errors.Is(err, store.ErrConflict):
		return &frameError{code: codeConflict, msg: "client_msg_id already used for another message"}
	case errors.Is(err, store.ErrNotFound):
		return &frameError{code: codeBadState, msg: "no such contact"}
	}
	return &frameError{code: codeUnavailable, msg: "not stored, try again"}
}

func (cu *customer) callback(f inFrame) error {
	cb := model.Callback{Number: f.Phone, WriteBack: f.WriteBack}
	if cb.Number != "" && !model.ValidE164(cb.Number) {
		// A national number ("06 12 34 56 78") is read in the tenant's country.
		if n, ok := model.NormalizePhone(cb.Number, cu.c.tenantCountry(cu.s.ctx, cu.ep.TenantID)); ok {
			cb.Number = n
		}
	}
	if err := cb.Validate(); err != nil {
		return invalidErr(err)
	}
	id := acd.ContactID(cu.id)
	if err := cu.c.do(cu.s.ctx, func(o *owner) error { return o.requestCallback(id, cb) }); err != nil {
		return cu.stateErr(err)
	}
	cu.s.send(noticeFrame{Type: "callback", Message: "your place is kept; you may leave"})
	return nil
}

// admitChat checks the limits of anonymous chats from one source address:
// starts per minute, and chats waiting at once on the entry point. The
// returned func gives the waiting place back (once; the contact calls it
// when it is answered or over).
func (c *Center) admitChat(ep model.EntryPoint, remote string) (func(), error) {
	addr := loginguard.Address(remote)
	if c.chatStarts != nil {
		if ok, wait := c.chatStarts.Allow(addr); !ok {
			r := &loginguard.Refused{RetryAfter: wait}
			c.log.Info("chat start refused", "entry", ep.Address, "remote", remote, "why", "starts per minute")
			c.metrics.chatRefused("starts")
			return nil, &frameError{code: codeRateLimited, retryAfter: r.Seconds(),
				msg: fmt.Sprintf("too many chats started from your connection; try again in %d s", r.Seconds())}
		}
	}
	if c.waitingMax <= 0 {
		return func() {}, nil
	}
	key := fmt.Sprintf("%d\x00%s", ep.ID, addr)
	c.waitingMu.Lock()
	defer c.waitingMu.Unlock()
	if c.waitingFrom[key] >= c.waitingMax {
		c.log.Info("chat start refused", "entry", ep.Address, "remote", remote, "why", "waiting per address")
		c.metrics.chatRefused("waiting")
		return nil, &frameError{code: codeRateLimited, retryAfter: 30,
			msg: fmt.Sprintf("%d chats from your connection are already waiting; please wait for one of them", c.waitingMax)}
	}
	c.waitingFrom[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.waitingMu.Lock()
			defer c.waitingMu.Unlock()
			if c.waitingFrom[key]--; c.waitingFrom[key] <= 0 {
				delete(c.waitingFrom, key)
			}
		})
	}, nil
}

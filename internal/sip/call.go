package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// callbackKey is the DTMF key asking for a callback.
const callbackKey = '1'

type evKind int

const (
	evOffered evKind = iota
	evWithdrawn
	evConnected
	evEnded
	evCallerBye
	evLegAnswered
	evLegFailed
	evLegBye
	evDigit
	evShutdown
	evConfirmTimeout
	evSaid        // the prompts of sayThen were played to the end (code: their sequence)
	evMenuTimeout // no key after the menu was said (code: its sequence)
	evHold        // hold.go
	evUnhold
	evRequeued
	evMute
	evUnmute
	evSurvey        // survey.go
	evSurveyTimeout // no key after the survey's question (code: its sequence)
	evAgentGone     // the agent's phone hung up, no word from the center yet (code: the survey sequence)
)

// confirmTimeout is how long the callback confirmation waits for a key.
const confirmTimeout = 15 * time.Second

type callEvent struct {
	kind    evKind
	agent   int64
	timeout time.Duration
	reason  string
	leg     *leg
	code    int
	digit   rune
}

// call is one voice contact's telephony: the caller's dialog and media
// while they are on the line, the agent's phone leg, and later the
// customer's leg of a callback. The center's notifications (live.VoiceCall)
// and the SIP handlers push events; one goroutine (run) handles them in
// order and owns the fields below the mutex.
type call struct {
	s      *Server
	id     int64 // the contact
	tenant int64
	sp     *media.Speaker
	number string      // the calling number, "" when it is not one
	source string      // the IP the INVITE came from (callback caps)
	trunk  *trunkState // the trunk it came through, nil for none
	ctx    context.Context
	cancel context.CancelFunc

	// The caller's side, while the caller is on the line.
	dlg     *sipgo.DialogServerSession
	dlgID   string
	rtp     *media.Session
	law     media.Law
	codec   *media.Codec
	evPT    int // telephone-event payload type of the caller, -1 without
	digits  *media.Digits
	peer    atomic.Pointer[bridgeEnd] // where the caller's packets go once bridged
	queueID int64
	record  bool // the queue records its calls
	// noticeHeard: the caller heard "this call may be recorded" to its
	// end (set by the player); only then is the call recorded.
	noticeHeard atomic.Bool
	rec         atomic.Pointer[recorder] // the recording, once bridged

	mu     sync.Mutex
	queue  []callEvent
	signal chan struct{}
	done   atomic.Bool

	// Owned by run.
	leg        *leg // the agent's phone, ringing or answered
	customer   *leg // the customer called back
	player     context.CancelFunc
	playerDone chan struct{}
	afterSay   func() bool // what sayThen does once its prompts end
	saySeq     int
	closing    bool // the closed announcement plays, then BYE
	callerGone bool
	callback   bool // the caller asked for (or was given) a callback
	bridged    bool
	callbackTo string // confirmed number of the callback
	moh        *media.Loop
	// The callback confirmation in progress: the number proposed, the keys
	// of another number being typed, and a counter invalidating stale
	// timeouts.
	confirming bool
	cbNumber   string
	cbTyped    []rune
	cbSeq      int
	menu       *menuState // the voice menu, while the caller chooses
	chosenAt   time.Time  // when the menu was left (type-ahead guard)
	// The satisfaction survey (survey.go): asked, and a counter
	// invalidating stale timeouts.
	surveying bool
	surveySeq int
	// out: a call placed from a chat (callout.go), nil for the others.
	out *outbound
}

// bridgeEnd is where a reader forwards packets: the other side (an RTP
// session, or a browser softphone's track), and the telephone-event payload
// type it negotiated (-1: events are dropped).
type bridgeEnd struct {
	rtp  forwarder
	evPT int
}

// forwarder sends packets received elsewhere (media.Session,
// softphone.Call).
type forwarder interface {
	Forward(p *rtpPacket) error
}

// ---- live.VoiceCall: called on the center's goroutine, never blocks ----

func (c *call) Offered(agentID int64, timeout time.Duration) {
	c.push(callEvent{kind: evOffered, agent: agentID, timeout: timeout})
}
func (c *call) Withdrawn(agentID int64, reason string) {
	c.push(callEvent{kind: evWithdrawn, agent: agentID, reason: reason})
}
func (c *call) Connected(agentID int64) { c.push(callEvent{kind: evConnected, agent: agentID}) }
func (c *call) Ended(reason string)     { c.push(callEvent{kind: evEnded, reason: reason}) }

// AllowCallback implements live.CallbackChecker: an overflow may turn the
// call into a callback to its calling number only when the number passes
// the callback policy and caps (the From header is the caller's choice)
// and a gateway can place it.
func (c *call) AllowCallback(number string) error {
	if !c.s.canCallBack() {
		return errors.New("no callback gateway or trunk")
	}
	return c.s.cbPolicy.take(number, c.source, c.s.now())
}

func (c *call) push(ev callEvent) {
	if c.done.Load() {
		return
	}
	c.mu.Lock()
	c.queue = append(c.queue, ev)
	c.mu.Unlock()
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

func (c *call) shutdown() { c.push(callEvent{kind: evShutdown}) }

// newCall makes a call of tenant; nil when capped is set and the server
// has MaxCalls calls in progress, or the tenant MaxCallsPerTenant.
func newCall(s *Server, tenant int64, sp *media.Speaker, capped bool) *call {
	ctx, cancel := context.WithCancel(context.WithoutCancel(s.serverCtx()))
	c := &call{s: s, tenant: tenant, sp: sp, ctx: ctx, cancel: cancel, evPT: -1, digits: media.NewDigits(16), signal: make(chan struct{}, 1)}
	s.mu.Lock()
	if capped && (len(s.all) >= s.cfg.MaxCalls || s.perTenant[tenant] >= s.cfg.MaxCallsPerTenant) {
		s.mu.Unlock()
		cancel()
		return nil
	}
	s.all[c] = struct{}{}
	s.perTenant[tenant]++
	s.mu.Unlock()
	s.wg.Add(1)
	return c
}

// answerCall takes an INVITE to an entry point: the call is stored,
// answered, queued in the center, then run. It reports whether a call was
// made (which then releases the trunk's place when it ends).
func (s *Server) answerCall(ctx context.Context, req *sipmsg.Request, tx sipmsg.ServerTransaction, ep model.EntryPoint, offer *media.Offer, law media.Law, trunk *trunkState) bool {
	lang, err := s.tenantLanguage(ctx, ep.TenantID)
	if err != nil {
		s.log.Warn("sip: tenant language", "tenant", ep.TenantID, "err", err)
	}
	c := newCall(s, ep.TenantID, s.speaker(lang), true)
	if c == nil {
		s.log.Warn("sip: too many calls, INVITE refused", "tenant", ep.TenantID, "source", req.Source())
		s.replyFull(req, tx)
		return false
	}
	c.trunk = trunk
	fail := func(code int, reason string) {
		reply(req, tx, code, reason)
		c.finish()
	}
	c.number = callerNumber(req.From().Address)
	c.source = sourceHost(req)
	c.setQueue(ctx, ep.QueueID)
	c.law = law
	c.codec, _ = media.NewCodec(law)
	c.rtp, err = s.rtpListen(ctx)
	if err != nil {
		s.log.Error("sip: media for a call", "err", err)
		fail(sipmsg.StatusServiceUnavailable, "No Media")
		return true
	}
	c.rtp.SetRemote(offer.Addr)
	c.rtp.SetPayloadType(law.PayloadType())
	if te, ok := offer.TelephoneEvent(); ok {
		c.evPT = int(te.PT)
		c.rtp.SetEventPayloadType(te.PT)
	}
	dlg, err := s.dialogUA(req.Transport()).ReadInvite(req, tx)
	if err != nil {
		fail(sipmsg.StatusBadRequest, "Bad Request")
		return true
	}
	c.dlg, c.dlgID = dlg, dlg.ID
	cust := model.Customer{Phone: c.number}
	if cust.Phone == "" {
		cust.ExternalID = truncate("sip:"+req.From().Address.User+"@"+req.From().Address.Host, model.MaxAddressLen)
	}
	if req.From().DisplayName != "" {
		cust.Name = truncate(req.From().DisplayName, model.MaxNameLen)
	}
	if cust.Validate() != nil {
		cust = model.Customer{Phone: c.number}
	}
	// Stored before the call is answered, queued only once it is (a menu
	// chooses the queue later): a call that cannot be answered never
	// reaches an agent.
	rc, err := s.centerOf(ep.TenantID).ReceiveVoice(ctx, ep, cust, c)
	if err != nil {
		s.log.Error("sip: store a call", "entry", ep.Address, "err", err)
		fail(sipmsg.StatusServiceUnavailable, "Unavailable")
		return true
	}
	c.id = rc.ContactID
	prompt := s.menuPrompt(ctx, ep) // nil: no menu
	answer, err := media.BuildAnswer(offer, media.Answer{Addr: c.rtp.LocalAddr(), Codec: law, TelephoneEvent: true, SessionID: rand.Uint64() >> 1, Username: "plateau"})
	if err != nil {
		s.log.Error("sip: sdp answer", "err", err)
		fail(sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
		s.notAnswered(ep.TenantID, rc, model.EndFailed)
		return true
	}
	s.addCall(c.dlgID, c)
	if err := dlg.RespondSDP(answer); err != nil {
		// Cancelled (the caller left), or the answer could not be sent or
		// was never acknowledged (a failure of ours or of the network).
		why := model.EndFailed
		if errors.Is(err, sipmsg.ErrTransactionCanceled) {
			why = model.EndAbandoned
		}
		s.log.Info("sip: call not answered", "contact", c.id, "ended", why, "err", err)
		s.notAnswered(ep.TenantID, rc, why)
		c.finish()
		return true
	}
	var (
		arr   = live.VoiceArrival{ContactID: rc.ContactID}
		start func() bool
	)
	if prompt != nil {
		if !rc.Closed {
			c.menu = &menuState{rc: rc, ep: ep, prompt: prompt, start: s.now()}
			start = c.sayMenu
		}
	} else {
		arr, err = s.centerOf(ep.TenantID).QueueVoice(ctx, rc, ep.QueueID)
		if err != nil {
			s.log.Error("sip: queue a call", "entry", ep.Address, "err", err)
			s.notAnswered(ep.TenantID, rc, model.EndFailed)
			c.byeCaller()
			c.finish()
			return true
		}
		if arr.Ended == "" {
			start = func() bool {
				c.startPlayer(arr.Position, arr.EWT, true)
				return false
			}
		}
	}
	s.log.Info("sip call answered", "contact", c.id, "entry", ep.Address, "menu", c.menu != nil, "position", arr.Position, "ewt", arr.EWT, "codec", law.String())
	go c.readCaller()
	go c.readDigits()
	go c.run(start)
	return true
}

// notAnswered ends a stored call that was never queued: why is
// model.EndAbandoned when the caller left first, model.EndFailed when
// Plateau could not answer.
func (s *Server) notAnswered(tenant int64, rc *live.ReceivedCall, why model.EndedReason) {
	if rc.Closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.serverCtx()), 5*time.Second)
	defer cancel()
	if _, err := s.st.UpdateInteractionState(ctx, tenant, rc.ContactID, store.StateUpdate{State: model.StateEnded,
		EndedReason: why, At: s.now(), CloseSegments: true}); err != nil {
		s.log.Warn("sip: end a call never answered", "contact", rc.ContactID, "err", err)
	}
}

// setQueue notes the queue the call waits in, and whether it records.
func (c *call) setQueue(ctx context.Context, queueID int64) {
	c.queueID = queueID
	c.record = c.s.cfg.RecordingsDir != "" && c.s.queueRecords(ctx, c.tenant, queueID)
}

// hangup tells the center the caller left (errors are logged): a call in
// its menu was never queued and is abandoned there.
func (s *Server) hangup(c *call) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.serverCtx()), 5*time.Second)
	defer cancel()
	if c.menu != nil {
		rc := c.menu.rc
		c.menu = nil
		if err := s.centerOf(c.tenant).AbandonReceived(ctx, rc); err != nil {
			s.log.Warn("sip: caller gone in the menu", "contact", c.id, "err", err)
		}
		// Queueing may have timed out after the engine took the call.
		if err := s.centerOf(c.tenant).VoiceHangup(ctx, c.id); err != nil {
			s.log.Warn("sip: hang up in the center", "contact", c.id, "err", err)
		}
		return
	}
	if err := s.centerOf(c.tenant).VoiceHangup(ctx, c.id); err != nil && c.id != 0 {
		s.log.Warn("sip: hang up in the center", "contact", c.id, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// finish releases everything of the call; later events are ignored.
func (c *call) finish() {
	if c.done.Swap(true) {
		return
	}
	c.stopPlayer()
	c.cancel()
	if err := c.rec.Load().close(); err != nil {
		c.s.log.Error("sip: recording", "contact", c.id, "err", err)
	}
	if c.rtp != nil {
		c.rtp.Close()
	}
	for _, l := range []*leg{c.leg, c.customer} {
		if l != nil {
			l.stop()
		}
	}
	if c.dlgID != "" {
		c.s.dropCall(c.dlgID)
	}
	if c.dlg != nil {
		c.dlg.Close()
	}
	c.trunk.release()
	c.s.mu.Lock()
	delete(c.s.all, c)
	if c.s.perTenant[c.tenant]--; c.s.perTenant[c.tenant] <= 0 {
		delete(c.s.perTenant, c.tenant)
	}
	c.s.mu.Unlock()
	c.s.wg.Done()
}

// run handles the call's events until it is over, after start (the menu,
// or the first announcement; nil: nothing to play).
func (c *call) run(start func() bool) {
	defer c.finish()
	if start != nil && start() {
		return
	}
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.signal:
		}
		c.mu.Lock()
		evs := c.queue
		c.queue = nil
		c.mu.Unlock()
		for _, ev := range evs {
			if c.handle(ev) {
				return
			}
		}
	}
}

// handle applies one event; true when the call is over.
func (c *call) handle(ev callEvent) bool {
	if c.out != nil {
		return c.outEvent(ev)
	}
	ctx := c.ctx
	switch ev.kind {
	case evShutdown:
		if c.menu != nil {
			c.s.hangup(c) // never queued: abandoned in the menu
		}
		c.byeAll()
		return true
	case evOffered:
		return c.offered(ev)
	case evWithdrawn:
		if c.leg != nil && c.leg.agent == ev.agent {
			c.leg.withdrawn = true
			c.leg.stop()
			c.leg = nil
		}
	case evLegAnswered:
		if ev.leg != c.leg && ev.leg != c.customer {
			ev.leg.stop()
			return false
		}
		if ev.leg == c.customer {
			return c.customerAnswered()
		}
		c.s.unreach.reached(ev.leg.agent)
		if err := c.s.centerOf(c.tenant).VoiceAnswered(ctx, ev.leg.agent, c.id); err != nil {
			c.s.log.Info("sip: agent answered too late", "contact", c.id, "agent", ev.leg.agent, "err", err)
			ev.leg.stop()
			c.leg = nil
		}
	case evLegFailed:
		if ev.leg == c.customer {
			// The customer called back did not answer: the contact ends
			// (the agent wraps up).
			c.s.log.Info("sip: callback not answered", "contact", c.id, "code", ev.code)
			c.customer = nil
			c.s.hangup(c)
			c.byeAll()
			return true
		}
		if ev.leg == c.leg {
			c.leg = nil
			switch {
			case ev.leg.withdrawn:
			case ev.code == 0 || ev.code == 408 || ev.code == 480 || ev.code == 503:
				// No answer at all, or the phone is not there: not a refusal.
				c.unreachable(ev.leg.agent, fmt.Sprintf("phone answered %d", ev.code))
			default:
				c.decline(ev.leg.agent, fmt.Sprintf("phone answered %d", ev.code))
			}
		}
	case evConnected:
		return c.connected(ev.agent)
	case evEnded:
		return c.ended(ev.reason)
	case evCallerBye:
		c.callerGone = true
		c.stopPlayer()
		c.peer.Store(nil)
		if c.callback && !c.bridged {
			return false // the place is kept for the callback
		}
		c.s.hangup(c)
		c.byeAll()
		return true
	case evLegBye:
		if ev.leg == c.leg && c.bridged && c.customer == nil && !c.callerGone {
			// The agent hung up: the center ends the call or asks for
			// the survey (survey.go); the caller waits for its word.
			c.s.hangup(c)
			c.unbridge()
			c.bridged = false
			c.leg = nil
			seq := c.surveySeq
			time.AfterFunc(agentGoneWait, func() { c.push(callEvent{kind: evAgentGone, code: seq}) })
			return false
		}
		if ev.leg == c.customer || (ev.leg == c.leg && c.bridged) {
			c.s.hangup(c)
			c.byeAll()
			return true
		}
		if ev.leg == c.leg {
			ev.leg.gone = true // answered, not yet connected: see connected
		}
	case evDigit:
		return c.digit(ev.digit)
	case evSaid:
		if ev.code == c.saySeq && c.afterSay != nil {
			then := c.afterSay
			c.afterSay = nil
			return then()
		}
	case evMenuTimeout:
		return c.menuTimedOut(ev.code)
	case evHold, evUnhold, evRequeued, evMute, evUnmute:
		return c.holdEvent(ev)
	case evSurvey, evSurveyTimeout, evAgentGone:
		return c.surveyEvent(ev)
	case evConfirmTimeout:
		if c.confirming && ev.code == c.cbSeq {
			c.confirming = false
			c.resumeWaiting()
		}
	}
	return false
}

func (c *call) decline(agent int64, why string) {
	c.s.log.Info("sip: call declined for agent", "contact", c.id, "agent", agent, "why", why)
	if err := c.s.centerOf(c.tenant).VoiceDeclined(c.ctx, agent, c.id); err != nil {
		c.s.log.Warn("sip: decline", "contact", c.id, "err", err)
	}
}

func (c *call) offered(ev callEvent) bool {
	if c.leg != nil {
		c.decline(ev.agent, "another phone is ringing")
		return false
	}
	laws := []media.Law{c.law}
	if c.callerGone {
		laws = []media.Law{media.Alaw, media.Ulaw}
	}
	timeout := ev.timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if sp := c.s.cfg.Softphone; sp != nil && sp.Enabled(ev.agent) {
		// The agent's desktop has its softphone on: ring the browser.
		l := c.newLeg(ev.agent, target{}, laws[:1])
		c.leg = l
		go l.ringSoft(timeout + 5*time.Second)
		return false
	}
	b, ok := c.s.reg.lookup(ev.agent, c.s.now())
	if !ok || b.tenantID != c.tenant {
		c.unreachable(ev.agent, "no registered phone")
		return false
	}
	if err := c.s.stillValid(c.ctx, b); err != nil {
		// Deleted or changed through the API since the phone registered.
		c.s.log.Info("sip: binding revoked", "agent", ev.agent, "username", b.username, "why", err)
		c.s.reg.drop(b)
		c.decline(ev.agent, "SIP account revoked")
		return false
	}
	l := c.newLeg(ev.agent, target{uri: b.contact, dest: b.source, transport: b.transport}, laws)
	c.leg = l
	// The engine withdraws the offer at its timeout; the leg's own limit
	// only guards against a lost withdrawal.
	go l.ring(timeout + 5*time.Second)
	return false
}

func (c *call) connected(agent int64) bool {
	if c.leg == nil || c.leg.agent != agent || !c.leg.answered.Load() || c.leg.gone {
		c.s.log.Warn("sip: connected without an answered phone", "contact", c.id, "agent", agent)
		c.s.hangup(c)
		c.byeAll()
		return true
	}
	c.stopPlayer()
	c.confirming = false
	if c.callerGone {
		// A callback: the agent is on the line, now call the customer.
		return c.dialCustomer()
	}
	c.bridge(c.leg)
	return false
}

// bridge connects the caller's media with l's.
func (c *call) bridge(l *leg) {
	c.bridged = true
	c.startRecording()
	c.peer.Store(&bridgeEnd{rtp: l.end, evPT: l.evPT})
	l.peer.Store(&bridgeEnd{rtp: c.rtp, evPT: c.evPT})
	c.s.log.Info("sip call bridged", "contact", c.id, "agent", c.leg.agent)
	c.s.metrics.bridges.Inc()
}

func (c *call) ended(reason string) bool {
	switch reason {
	case "closed", "full":
		c.closing = true
		return c.sayThen(func() bool {
			c.byeAll()
			return true
		}, media.PromptClosed)
	case "callback":
		c.callback = true
		if c.number != "" {
			c.callbackTo = c.number
		}
		return c.sayThen(func() bool {
			c.byeCaller()
			return false
		}, media.PromptCallbackOK)
	}
	c.byeAll()
	return true
}

// byeCaller hangs up the caller's side.
func (c *call) byeCaller() {
	c.stopPlayer()
	c.peer.Store(nil)
	if c.callerGone || c.dlg == nil {
		return
	}
	c.callerGone = true
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 5*time.Second)
	defer cancel()
	if err := c.dlg.Bye(ctx); err != nil {
		c.s.log.Debug("sip: bye caller", "contact", c.id, "err", err)
	}
}

func (c *call) byeAll() {
	c.byeCaller()
	for _, l := range []*leg{c.leg, c.customer} {
		if l != nil {
			l.stop()
		}
	}
}

// sayThen plays prompts to the caller on the player goroutine (in place of
// what it played) and returns at once: the run loop keeps handling the
// call's events meanwhile. When the prompts end (evSaid), then runs on the
// run goroutine, unless the player was stopped or replaced before; its
// result is handle's. Without a caller to hear them, then runs now.
func (c *call) sayThen(then func() bool, names ...string) bool {
	src, err := c.sp.Say(names...)
	if err != nil {
		c.stopPlayer()
		c.s.log.Error("sip: prompts", "names", names, "err", err)
		return then()
	}
	return c.playThen(then, src)
}

// playThen is sayThen for any audio.
func (c *call) playThen(then func() bool, src media.Source) bool {
	c.stopPlayer()
	if c.callerGone {
		return then()
	}
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan struct{})
	c.player, c.playerDone = cancel, done
	c.saySeq++
	seq := c.saySeq
	c.afterSay = then
	go func() {
		defer close(done)
		pctx, pcancel := context.WithTimeout(ctx, maxMenuPrompt+30*time.Second)
		defer pcancel()
		_ = c.rtp.Play(pctx, src, c.codec)
		if ctx.Err() != nil {
			return // stopped: then is dropped
		}
		c.push(callEvent{kind: evSaid, code: seq})
	}()
	return false
}

// ---- what a waiting caller hears ----

// startPlayer plays the announcement then music on hold, the announcement
// again every AnnounceEvery, until stopPlayer.
func (c *call) startPlayer(pos int, ewt time.Duration, first bool) {
	c.stopPlayer()
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan struct{})
	c.player, c.playerDone = cancel, done
	if c.moh == nil {
		c.moh = media.NewLoop(c.s.moh.Clone(), 0)
	}
	offerCallback := c.callbackOffered()
	var intro []string // before the first announcement
	if first {
		intro = append(intro, media.PromptWelcome)
	}
	notice := c.record && !c.noticeHeard.Load()
	if notice {
		// Said until heard to its end: nothing is recorded before.
		intro = append(intro, media.PromptRecording)
	}
	go func() {
		defer close(done)
		say := func(names ...string) error {
			src, err := c.sp.Say(names...)
			if err != nil {
				return err
			}
			return c.rtp.Play(ctx, src, c.codec)
		}
		announce := func(pos int, ewt time.Duration) error {
			names, err := c.sp.Announcement(max(pos, 1), ewt)
			if err != nil {
				return err
			}
			if offerCallback {
				names = append(names, media.PromptCallback)
			}
			return say(names...)
		}
		fail := func(err error) {
			if ctx.Err() == nil {
				c.s.log.Error("sip: announcement", "contact", c.id, "err", err)
			}
		}
		if len(intro) > 0 {
			if err := say(intro...); err != nil {
				fail(err)
				return
			}
			if notice {
				c.noticeHeard.Store(true)
			}
		}
		// Nothing to announce when the call is being offered: music.
		if pos > 0 {
			if err := announce(pos, ewt); err != nil {
				fail(err)
				return
			}
		}
		for ctx.Err() == nil {
			mctx, mcancel := context.WithTimeout(ctx, c.s.cfg.AnnounceEvery)
			err := c.rtp.Play(mctx, c.moh, c.codec)
			mcancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				c.s.log.Error("sip: music on hold", "contact", c.id, "err", err)
				return
			}
			p, e, ok, err := c.s.centerOf(c.tenant).VoicePosition(ctx, c.id)
			if err != nil || !ok {
				continue // offered or leaving: keep the music
			}
			if err := announce(p, e); err != nil {
				return
			}
		}
	}()
}

func (c *call) stopPlayer() {
	c.afterSay = nil
	if c.player == nil {
		return
	}
	c.player()
	<-c.playerDone
	c.player, c.playerDone = nil, nil
}

// ---- caller media ----

// readCaller receives the caller's packets: DTMF events to the digits,
// everything to the agent once bridged.
func (c *call) readCaller() {
	buf := make([]byte, 1500)
	pcm := make([]int16, 1500)
	det := media.NewEventDetector(media.SampleRate)
	for {
		p, err := c.rtp.ReadPacket(c.ctx, buf)
		if err != nil {
			return
		}
		isEvent := c.evPT >= 0 && int(p.PayloadType) == c.evPT
		if isEvent {
			ds, err := det.Packet(p.Timestamp, p.Payload)
			if err == nil {
				for _, d := range ds {
					c.digits.Push(d)
				}
			}
		}
		if peer := c.peer.Load(); peer != nil {
			forward(peer, &p, isEvent)
		}
		if r := c.rec.Load(); r != nil && !isEvent && p.PayloadType == c.law.PayloadType() {
			n := c.codec.Decode(pcm, p.Payload)
			r.add(0, pcm[:n])
		}
	}
}

// startRecording opens the recording when the queue records its calls.
func (c *call) startRecording() {
	if !c.record || c.rec.Load() != nil {
		return
	}
	if !c.noticeHeard.Load() {
		// Answered before the caller heard the notice to its end: a call
		// is recorded only once announced.
		c.s.log.Info("sip: call not recorded: the caller did not hear the recording notice", "contact", c.id)
		return
	}
	r, err := newRecorder(c.s.recordingPath(c.tenant, c.queueID, c.id), c.s.now)
	if err != nil {
		c.s.log.Error("sip: start recording", "contact", c.id, "err", err)
		return
	}
	c.rec.Store(r)
}

// forward sends a packet to the other side of a bridge, with the event
// payload type it negotiated.
func forward(to *bridgeEnd, p *rtpPacket, isEvent bool) {
	if isEvent {
		if to.evPT < 0 {
			return
		}
		p.PayloadType = uint8(to.evPT)
	}
	_ = to.rtp.Forward(p) // a lost packet is what RTP is made for
}

// readDigits turns the caller's keys into events.
func (c *call) readDigits() {
	for {
		d, err := c.digits.Next(c.ctx)
		if err != nil {
			return
		}
		c.push(callEvent{kind: evDigit, digit: d.Key})
	}
}

// callbackOffered: "press 1 to be called back" is offered only when
// Plateau can place the call (a callback gateway is configured).
func (c *call) callbackOffered() bool {
	return c.s.canCallBack() && c.s.cbPolicy.enabled() && !c.callback
}

// digit: a key pressed by the caller. 1 while waiting starts the callback
// confirmation: "we will call you back on <the calling number>; press 1 to
// confirm, or dial another number then #" (* or silence goes back to
// waiting). The callback is registered only for a confirmed number.
func (c *call) digit(k rune) bool {
	if c.surveying && !c.callerGone {
		return c.surveyDigit(k)
	}
	if c.menu != nil && !c.callerGone {
		return c.menuDigit(k)
	}
	if c.callerGone || c.bridged || c.callback || c.closing || c.leg != nil {
		return false
	}
	if !c.chosenAt.IsZero() && c.s.now().Sub(c.chosenAt) < typeAhead {
		return false // typed ahead in the menu
	}
	if !c.confirming {
		if k != callbackKey || !c.callbackOffered() {
			return false
		}
		c.confirming, c.cbNumber, c.cbTyped = true, "", nil
		if c.s.cbPolicy.allowed(c.number) == nil {
			// The calling number is proposed only when it may be called.
			c.cbNumber = c.number
		}
		c.stopPlayer()
		c.confirmPrompt()
		return false
	}
	switch {
	case k == callbackKey && len(c.cbTyped) == 0:
		if c.cbNumber == "" {
			c.confirmPrompt()
			return false
		}
		if err := c.s.cbPolicy.take(c.cbNumber, c.source, c.s.now()); err != nil {
			c.s.log.Info("sip: callback number refused", "contact", c.id, "source", c.source, "err", err)
			c.confirming = false
			c.resumeWaiting()
			return false
		}
		if err := c.s.centerOf(c.tenant).VoiceCallback(c.ctx, c.id, c.cbNumber); err != nil {
			c.s.log.Info("sip: callback refused", "contact", c.id, "err", err)
			c.confirming = false
			c.resumeWaiting()
			return false
		}
		c.confirming = false
		c.callback, c.callbackTo = true, c.cbNumber
		c.s.log.Info("sip: callback registered", "contact", c.id)
		return c.sayThen(func() bool {
			c.byeCaller()
			return false
		}, media.PromptCallbackOK)
	case k == '*':
		c.confirming = false
		c.resumeWaiting()
	case k == '#':
		typed := string(c.cbTyped)
		c.cbTyped = nil
		if cb := (model.Callback{Number: typed}); len(typed) >= 4 && cb.Validate() == nil {
			c.cbNumber = typed
			if err := c.s.cbPolicy.allowed(typed); err != nil {
				// Read back no number: 1 cannot confirm it.
				c.s.log.Info("sip: callback number refused", "contact", c.id, "err", err)
				c.cbNumber = ""
			}
		}
		c.confirmPrompt()
	case k >= '0' && k <= '9':
		if len(c.cbTyped) < 20 {
			c.cbTyped = append(c.cbTyped, k)
		}
		c.armConfirmTimeout()
	}
	return false
}

// confirmPrompt says the number to be called back and how to confirm it.
func (c *call) confirmPrompt() {
	names := []string{media.PromptCallbackNumber}
	names = append(names, c.sp.Digits(c.cbNumber)...)
	names = append(names, media.PromptCallbackConfirm)
	c.armConfirmTimeout() // keys typed during the prompt count
	c.sayThen(func() bool {
		c.armConfirmTimeout() // the time to answer runs from the end of the prompt
		return false
	}, names...)
}

func (c *call) armConfirmTimeout() {
	c.cbSeq++
	seq := c.cbSeq
	time.AfterFunc(confirmTimeout, func() { c.push(callEvent{kind: evConfirmTimeout, code: seq}) })
}

// resumeWaiting goes back to the announcement and the music.
func (c *call) resumeWaiting() {
	pos, ewt, ok, err := c.s.centerOf(c.tenant).VoicePosition(c.ctx, c.id)
	if err != nil || !ok {
		pos = 0
	}
	c.startPlayer(pos, ewt, false)
}

// stillValid checks that the account b registered with still exists, for
// the same agent and tenant, with the same credentials (a deleted account
// or a changed password revokes the binding).
func (s *Server) stillValid(ctx context.Context, b binding) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	acc, err := s.st.FindSIPAccount(ctx, b.username)
	if err != nil {
		return fmt.Errorf("check SIP account %q: %w", b.username, err)
	}
	if acc.AgentID != b.agentID || acc.TenantID != b.tenantID || acc.Realm != s.cfg.Realm || acc.HA1MD5 != b.ha1MD5 {
		return fmt.Errorf("SIP account %q changed since its phone registered", b.username)
	}
	return nil
}

// ---- callbacks ----

// CallBack implements live.VoiceDialer: the call of a callback restored
// after a restart, placed when it is offered.
func (s *Server) CallBack(tenantID, contactID int64, number string) live.VoiceCall {
	// Not capped: the callback was accepted before the restart.
	c := newCall(s, tenantID, s.speaker(""), false)
	c.id, c.number, c.callback, c.callbackTo, c.callerGone = contactID, number, true, number, true
	c.law = media.Alaw
	go c.run(nil)
	return c
}

// dialCustomer places the callback once the agent answered, through the
// configured gateway, to callbackTo: the number the caller confirmed, or
// the calling number of an overflow callback; callbackTarget refuses any
// number the callback policy does not allow.
func (c *call) dialCustomer() bool {
	t, ok := c.s.callbackTarget(c.callbackTo)
	if !ok {
		c.s.log.Warn("sip: no route for a callback (set a callback gateway or trunk)", "contact", c.id)
		c.s.hangup(c)
		c.byeAll()
		return true
	}
	law := c.leg.law
	if t.trunk != nil {
		t.trunk.hold() // released with the leg
	}
	l := c.newLeg(0, t, []media.Law{law})
	c.customer = l
	go l.ring(60 * time.Second)
	return false
}

func (c *call) customerAnswered() bool {
	if c.leg == nil {
		c.byeAll()
		return true
	}
	c.bridged = true
	c.startRecording()
	c.leg.peer.Store(&bridgeEnd{rtp: c.customer.end, evPT: c.customer.evPT})
	c.customer.peer.Store(&bridgeEnd{rtp: c.leg.end, evPT: c.leg.evPT})
	c.s.log.Info("sip callback bridged", "contact", c.id, "agent", c.leg.agent)
	c.s.metrics.bridges.Inc()
	return false
}

// canCallBack reports whether callbacks have a way out: a gateway or a
// trunk.
func (s *Server) canCallBack() bool { return s.cfg.CallbackGateway != "" || s.cbTrunk != nil }

// callbackTarget is where a callback to number goes: through the callback
// trunk, else the gateway; nowhere when the number does not pass the
// callback policy.
func (s *Server) callbackTarget(number string) (target, bool) {
	if number == "" || !s.canCallBack() {
		return target{}, false
	}
	if err := s.cbPolicy.allowed(number); err != nil {
		s.log.Warn("sip: callback number refused", "err", err)
		return target{}, false
	}
	if s.cbTrunk != nil {
		t, err := s.cbTrunk.outboundTarget(number)
		if err != nil {
			s.log.Warn("sip: callback through a trunk", "err", err)
			return target{}, false
		}
		return t, true
	}
	var u sipmsg.Uri
	if err := sipmsg.ParseUri("sip:"+number+"@"+s.cfg.CallbackGateway, &u); err != nil {
		return target{}, false
	}
	return target{uri: u, dest: s.cfg.CallbackGateway, transport: "UDP"}, true
}

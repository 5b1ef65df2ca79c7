package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/softphone"
)

type rtpPacket = rtp.Packet

// target is where Plateau sends an INVITE: the Request-URI, the address
// the request goes to and the transport.
type target struct {
	uri       sipmsg.Uri
	dest      string
	transport string
	// trunk carries the call (its credentials answer challenges; the call
	// counts against its max_calls); nil for an agent's phone or the
	// callback gateway.
	trunk              *trunkState
	fromUser, fromHost string // the From of the INVITE, when set
}

// legMedia is a leg's media once answered: an RTP session (a SIP phone or
// a customer) or a browser softphone's PeerConnection.
type legMedia interface {
	forwarder
	ReadPacket(ctx context.Context, buf []byte) (rtp.Packet, error)
}

// leg is a call Plateau places: to an agent's phone or browser softphone
// (agent > 0) or to a customer called back (agent 0).
type leg struct {
	call   *call
	agent  int64
	to     target
	laws   []media.Law
	rtp    *media.Session  // SIP legs
	soft   *softphone.Call // softphone legs, set by ringSoft
	end    legMedia        // rtp or soft, once answered
	law    media.Law
	codec  *media.Codec
	evPT   int
	ctx    context.Context
	cancel context.CancelFunc
	peer   atomic.Pointer[bridgeEnd]
	freed  sync.Once // the trunk's place, once

	mu       sync.Mutex
	dlg      *sipgo.DialogClientSession
	answered atomic.Bool // set under mu
	stopped  atomic.Bool // set under mu: with answered, decides who hangs up
	hangup   sync.Once   // the BYE and release of an answered leg

	withdrawn bool // owned by the call's run goroutine
	gone      bool // hung up after answering, before the bridge (run goroutine)
}

func (c *call) newLeg(agent int64, to target, laws []media.Law) *leg {
	ctx, cancel := context.WithCancel(c.ctx)
	return &leg{call: c, agent: agent, to: to, laws: laws, evPT: -1, ctx: ctx, cancel: cancel}
}

// ring places the call and reports evLegAnswered or evLegFailed. It gives
// up after timeout, or when stop is called (CANCEL).
func (l *leg) ring(timeout time.Duration) {
	s, c := l.call.s, l.call
	fail := func(code int) {
		if !l.stopped.Load() {
			c.push(callEvent{kind: evLegFailed, leg: l, code: code})
		}
		l.release()
	}
	var err error
	l.rtp, err = s.rtpListen(l.ctx)
	if err != nil {
		s.log.Error("sip: media for an outgoing call", "err", err)
		fail(0)
		return
	}
	offer, err := media.BuildOffer(media.OfferSpec{Addr: l.rtp.LocalAddr(), Laws: l.laws, Event: eventPT, SessionID: rand.Uint64() >> 1})
	if err != nil {
		s.log.Error("sip: sdp offer", "err", err)
		fail(0)
		return
	}
	req := sipmsg.NewRequest(sipmsg.INVITE, l.to.uri)
	req.SetDestination(l.to.dest)
	req.SetTransport(l.to.transport)
	req.SetBody(offer)
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	fromUser, fromHost := "plateau", s.cfg.RTPHost
	if l.to.fromUser != "" {
		fromUser = l.to.fromUser
	}
	if l.to.fromHost != "" {
		fromHost = l.to.fromHost
	}
	from := sipmsg.FromHeader{DisplayName: "Plateau", Address: sipmsg.Uri{Scheme: "sip", User: fromUser, Host: fromHost},
		Params: params("tag", sipmsg.GenerateTagN(16))}
	req.AppendHeader(&from)
	ctx, cancel := context.WithTimeout(l.ctx, timeout)
	defer cancel()
	dlg, err := s.dialogUA(l.to.transport).WriteInvite(ctx, req)
	if err != nil {
		s.log.Info("sip: invite not sent", "to", l.to.uri.String(), "err", err)
		fail(0)
		return
	}
	l.mu.Lock()
	l.dlg = dlg
	l.mu.Unlock()
	var auth sipgo.AnswerOptions
	if t := l.to.trunk; t != nil {
		// A challenge (401 or 407) is answered once with the trunk's
		// credentials (twice for a stale nonce).
		auth.Username, auth.Password = t.cfg.Username, t.cfg.Password
	}
	if err := dlg.WaitAnswer(ctx, auth); err != nil {
		code := 408
		var er *sipgo.ErrDialogResponse
		if errors.As(err, &er) && er.Res != nil {
			code = er.Res.StatusCode
		}
		fail(code)
		return
	}
	ans, aerr := media.ParseOffer(dlg.InviteResponse.Body())
	var law media.Law
	if aerr == nil {
		law, aerr = ans.ChooseCodec(l.laws...)
	}
	if err := dlg.Ack(ctx); err != nil {
		s.log.Info("sip: ack", "err", err)
	}
	s.addLeg(dlg.ID, l)
	if aerr != nil {
		s.log.Info("sip: unusable answer", "to", l.to.uri.String(), "err", aerr)
		l.bye()
		fail(488)
		return
	}
	l.law = law
	l.codec, _ = media.NewCodec(law)
	l.end = l.rtp
	l.rtp.SetRemote(ans.Addr)
	l.rtp.SetPayloadType(law.PayloadType())
	if te, ok := ans.TelephoneEvent(); ok {
		l.evPT = int(te.PT)
		l.rtp.SetEventPayloadType(te.PT)
	}
	if !l.markAnswered() {
		// stop came first and only cancelled: the BYE is ring's to send.
		l.hangUp()
		return
	}
	go l.read()
	c.push(callEvent{kind: evLegAnswered, leg: l})
}

// read forwards the leg's packets to the other side of the bridge.
func (l *leg) read() {
	buf := make([]byte, 1500)
	pcm := make([]int16, 1500)
	party := 1 // the agent
	if l.agent == 0 {
		party = 0 // the customer called back
	}
	for {
		p, err := l.end.ReadPacket(l.ctx, buf)
		if err != nil {
			return
		}
		isEvent := l.evPT >= 0 && int(p.PayloadType) == l.evPT
		if peer := l.peer.Load(); peer != nil {
			forward(peer, &p, isEvent)
		}
		if r := l.call.rec.Load(); r != nil && !isEvent && p.PayloadType == l.law.PayloadType() && l.peer.Load() != nil {
			n := l.codec.Decode(pcm, p.Payload)
			r.add(party, pcm[:n])
		}
	}
}

// markAnswered records the answer; false when the leg was stopped before
// (the caller of markAnswered then hangs up). Decided under mu with stop,
// so that exactly one of them sends the BYE.
func (l *leg) markAnswered() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answered.Store(true)
	return !l.stopped.Load()
}

// stop ends the leg: CANCEL while it rings, BYE once answered. It reports
// whether it hung up an answered leg itself.
func (l *leg) stop() bool {
	l.mu.Lock()
	if l.stopped.Load() {
		l.mu.Unlock()
		return false
	}
	l.stopped.Store(true)
	answered := l.answered.Load()
	l.mu.Unlock()
	if answered {
		l.hangUp()
		return true
	}
	l.cancel() // WaitAnswer sends the CANCEL; ring releases
	return false
}

// hangUp sends the BYE of an answered leg and releases it, once.
func (l *leg) hangUp() {
	l.hangup.Do(func() {
		l.bye()
		l.release()
	})
}

func (l *leg) bye() {
	l.mu.Lock()
	dlg := l.dlg
	l.mu.Unlock()
	if dlg == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(l.call.ctx), 5*time.Second)
	defer cancel()
	if err := dlg.Bye(ctx); err != nil {
		l.call.s.log.Debug("sip: bye leg", "err", err)
	}
}

// release frees the leg's media and dialog.
func (l *leg) release() {
	l.cancel()
	if l.to.trunk != nil {
		l.freed.Do(l.to.trunk.release)
	}
	l.mu.Lock()
	dlg := l.dlg
	l.mu.Unlock()
	if dlg != nil {
		l.call.s.dropLeg(dlg.ID)
		dlg.Close()
	}
	if l.rtp != nil {
		l.rtp.Close()
	}
	l.mu.Lock()
	sc := l.soft
	l.mu.Unlock()
	if sc != nil {
		sc.Hangup("")
	}
}

// ringSoft rings the agent's browser softphone and reports evLegAnswered
// (the desktop accepted and sent its SDP answer) or evLegFailed. It gives
// up after timeout, when the browser's connection fails, or when stop is
// called; once answered, the browser leaving is evLegBye.
func (l *leg) ringSoft(timeout time.Duration) {
	s, c := l.call.s, l.call
	fail := func(code int) {
		if !l.stopped.Load() {
			c.push(callEvent{kind: evLegFailed, leg: l, code: code})
		}
		l.release()
	}
	ctx, cancel := context.WithTimeout(l.ctx, timeout)
	defer cancel()
	sc, err := s.cfg.Softphone.Ring(ctx, l.agent, c.id, l.laws[0])
	if err != nil {
		s.log.Info("sip: softphone not rung", "contact", c.id, "agent", l.agent, "err", err)
		fail(0)
		return
	}
	l.mu.Lock()
	l.soft = sc
	l.mu.Unlock()
	select {
	case <-sc.Answered():
	case <-sc.Gone():
		fail(480)
		return
	case <-ctx.Done():
		fail(408)
		return
	}
	l.law = sc.Law()
	l.codec, _ = media.NewCodec(l.law)
	l.end = sc
	if !l.markAnswered() {
		// stop came first and only cancelled: hanging up is ours.
		l.hangUp()
		return
	}
	go l.read()
	go func() {
		select {
		case <-sc.Gone():
			if !l.stopped.Load() {
				c.push(callEvent{kind: evLegBye, leg: l})
			}
		case <-l.ctx.Done():
		}
	}()
	c.push(callEvent{kind: evLegAnswered, leg: l})
}

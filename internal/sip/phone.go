package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/store"
)

// PhoneConfig configures a Phone.
type PhoneConfig struct {
	// Server is Plateau's SIP address (host:port, UDP).
	Server string
	// Host is the local IP the phone binds its SIP and RTP sockets to.
	Host string
	// Username and Password are the SIP account's, for Register.
	Username, Password string
	// Law is the preferred G.711 law of the calls it places (default A-law).
	Law    media.Law
	Logger *slog.Logger
}

// Phone is a small SIP user agent over UDP: it registers with digest
// authentication, places calls and answers them. Plateau's demo agents use
// it (RunPhoneBot), and the tests use it as a caller and as an agent's
// phone.
type Phone struct {
	cfg    PhoneConfig
	log    *slog.Logger
	ua     *sipgo.UserAgent
	client *sipgo.Client
	dua    *sipgo.DialogUA
	conn   net.PacketConn
	addr   netip.AddrPort

	mu       sync.Mutex
	incoming map[string]*PhoneCall // by UAS dialog id
	outgoing map[string]*PhoneCall // by UAC dialog id
	answer   func(*PhoneCall)
	delay    time.Duration // ringing time before answering
	cancels  chan struct{} // a ringing call was cancelled (one token each)
	auth     *phoneAuth    // set by RequireDigest
}

// phoneAuth is the digest a Phone asks of the INVITEs it receives (as a
// carrier's trunk does of the calls Plateau places through it).
type phoneAuth struct {
	realm, ha1 string
	proxy      bool
	nonces     map[string]bool
	challenged int
	accepted   []InviteSeen
}

// InviteSeen is an INVITE a Phone with RequireDigest let through.
type InviteSeen struct {
	RequestURI, From, Username string
}

// PhoneCall is one call of a Phone.
type PhoneCall struct {
	p      *Phone
	RTP    *media.Session
	Codec  *media.Codec
	EvPT   int // telephone-event payload type, -1 without
	srv    *sipgo.DialogServerSession
	cli    *sipgo.DialogClientSession
	ended  chan struct{}
	once   sync.Once
	mu     sync.Mutex
	audio  []int16
	digits []rune
	recv   bool
}

// NewPhone binds a phone on cfg.Host (a free port) and serves its SIP
// socket until ctx is done.
func NewPhone(ctx context.Context, cfg PhoneConfig) (*Phone, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Law == 0 {
		cfg.Law = media.Alaw
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Phone{cfg: cfg, log: cfg.Logger, incoming: map[string]*PhoneCall{}, outgoing: map[string]*PhoneCall{}, cancels: make(chan struct{}, 16)}
	var lc net.ListenConfig
	conn, err := lc.ListenPacket(ctx, "udp", net.JoinHostPort(cfg.Host, "0"))
	if err != nil {
		return nil, fmt.Errorf("phone: listen: %w", err)
	}
	p.conn = conn
	p.addr = conn.LocalAddr().(*net.UDPAddr).AddrPort()
	user := cfg.Username
	if user == "" {
		user = "phone"
	}
	p.ua, err = sipgo.NewUA(sipgo.WithUserAgent("Plateau phone"), sipgo.WithUserAgentHostname(cfg.Host))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("phone: %w", err)
	}
	p.client, err = sipgo.NewClient(p.ua, sipgo.WithClientHostname(cfg.Host), sipgo.WithClientPort(int(p.addr.Port())),
		sipgo.WithClientConnectionAddr(p.addr.String()))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("phone: %w", err)
	}
	p.dua = &sipgo.DialogUA{Client: p.client, ContactHDR: sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: user, Host: cfg.Host, Port: int(p.addr.Port())}}}
	srv, err := sipgo.NewServer(p.ua)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("phone: %w", err)
	}
	srv.OnInvite(p.onInvite)
	srv.OnAck(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if c := p.lookup(req, true); c != nil && c.srv != nil {
			_ = c.srv.ReadAck(req, tx)
		}
	})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if c := p.lookup(req, true); c != nil && c.srv != nil {
			_ = c.srv.ReadBye(req, tx)
			c.end()
			return
		}
		if c := p.lookup(req, false); c != nil && c.cli != nil {
			_ = c.cli.ReadBye(req, tx)
			c.end()
			return
		}
		reply(req, tx, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
	})
	srv.OnCancel(func(*sipmsg.Request, sipmsg.ServerTransaction) {})
	go func() {
		_ = srv.ServeUDP(conn)
	}()
	if err := waitConn(ctx, p.ua, "udp", p.addr.String()); err != nil {
		conn.Close()
		return nil, fmt.Errorf("phone: %w", err)
	}
	context.AfterFunc(ctx, func() {
		p.ua.Close()
		conn.Close()
	})
	return p, nil
}

// Addr is the phone's SIP address.
func (p *Phone) Addr() netip.AddrPort { return p.addr }

func (p *Phone) lookup(req *sipmsg.Request, uas bool) *PhoneCall {
	var id string
	var err error
	if uas {
		id, err = sipmsg.DialogIDFromRequestUAS(req)
	} else {
		id, err = sipmsg.DialogIDFromRequestUAC(req)
	}
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if uas {
		return p.incoming[id]
	}
	return p.outgoing[id]
}

func (p *Phone) serverURI(user string) sipmsg.Uri {
	host, port, _ := net.SplitHostPort(p.cfg.Server)
	var u sipmsg.Uri
	_ = sipmsg.ParseUri(fmt.Sprintf("sip:%s@%s:%s", user, host, port), &u)
	return u
}

// Register registers the phone's contact for expires (digest
// authentication with the configured account).
func (p *Phone) Register(ctx context.Context, expires time.Duration) error {
	req := sipmsg.NewRequest(sipmsg.REGISTER, p.serverURI(""))
	req.Recipient.User = ""
	to := sipmsg.ToHeader{Address: p.serverURI(p.cfg.Username)}
	from := sipmsg.FromHeader{Address: p.serverURI(p.cfg.Username), Params: params("tag", sipmsg.GenerateTagN(16))}
	req.AppendHeader(&to)
	req.AppendHeader(&from)
	req.AppendHeader(sipmsg.HeaderClone(&p.dua.ContactHDR))
	req.AppendHeader(sipmsg.NewHeader("Expires", fmt.Sprint(int(expires.Seconds()))))
	req.SetDestination(p.cfg.Server)
	res, err := p.client.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("phone: register: %w", err)
	}
	if res.StatusCode == sipmsg.StatusUnauthorized {
		res, err = p.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: p.cfg.Username, Password: p.cfg.Password})
		if err != nil {
			return fmt.Errorf("phone: register: %w", err)
		}
	}
	if res.StatusCode != sipmsg.StatusOK {
		e := &RegisterError{Code: res.StatusCode, Reason: res.Reason}
		if c := res.Contact(); c != nil {
			e.Contact = c.Address.String()
		}
		if h := res.GetHeader("Retry-After"); h != nil {
			v, _, _ := strings.Cut(strings.TrimSpace(h.Value()), ";")
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
				e.RetryAfter = time.Duration(n) * time.Second
			}
		}
		return e
	}
	return nil
}

// RegisterError is a REGISTER refused by the server; RetryAfter is its
// Retry-After (0 without), Contact the first Contact of a redirect (3xx).
type RegisterError struct {
	Code       int
	Reason     string
	RetryAfter time.Duration
	Contact    string
}

func (e *RegisterError) Error() string {
	return fmt.Sprintf("phone: register: %d %s", e.Code, e.Reason)
}

// Answer makes the phone answer every call (after one ringing response)
// and run handle on it in its own goroutine.
func (p *Phone) Answer(handle func(*PhoneCall)) { p.AnswerAfter(0, handle) }

// AnswerAfter is Answer after ringing for delay; a call cancelled while it
// rings is counted in Cancelled.
func (p *Phone) AnswerAfter(delay time.Duration, handle func(*PhoneCall)) {
	p.mu.Lock()
	p.answer, p.delay = handle, delay
	p.mu.Unlock()
}

// RequireDigest makes the phone challenge every INVITE (401, or 407 with
// proxy) until it carries a digest response (MD5, qop auth or none) for
// username and password in realm.
func (p *Phone) RequireDigest(realm, username, password string, proxy bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ha1, _ := store.DigestHA1(username, realm, password)
	p.auth = &phoneAuth{realm: realm, ha1: ha1, proxy: proxy, nonces: map[string]bool{}}
}

// Digests reports the challenges sent and the INVITEs let through since
// RequireDigest.
func (p *Phone) Digests() (challenged int, accepted []InviteSeen) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.auth == nil {
		return 0, nil
	}
	return p.auth.challenged, append([]InviteSeen(nil), p.auth.accepted...)
}

// authorized checks an INVITE against RequireDigest, challenging it when
// it does not pass.
func (p *Phone) authorized(req *sipmsg.Request, tx sipmsg.ServerTransaction) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.auth
	if a == nil {
		return true
	}
	hdr, code, reason, challengeHdr := "Authorization", sipmsg.StatusUnauthorized, "Unauthorized", "WWW-Authenticate"
	if a.proxy {
		hdr, code, reason, challengeHdr = "Proxy-Authorization", sipmsg.StatusProxyAuthRequired, "Proxy Authentication Required", "Proxy-Authenticate"
	}
	if h := req.GetHeader(hdr); h != nil {
		c, err := parseCredentials(h.Value())
		if err == nil && c.Realm == a.realm && a.nonces[c.Nonce] && digestResponse(c, a.ha1, string(req.Method)) == c.Response {
			from := ""
			if f := req.From(); f != nil {
				from = f.Address.User
			}
			a.accepted = append(a.accepted, InviteSeen{RequestURI: req.Recipient.String(), From: from, Username: c.Username})
			return true
		}
	}
	nonce := sipmsg.GenerateTagN(24)
	a.nonces[nonce] = true
	a.challenged++
	reply(req, tx, code, reason, sipmsg.NewHeader(challengeHdr, fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, a.realm, nonce)))
	return false
}

// Cancelled returns a channel receiving one value per call cancelled
// (CANCEL) while it rang.
func (p *Phone) Cancelled() <-chan struct{} { return p.cancels }

func (p *Phone) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	p.mu.Lock()
	handle, delay := p.answer, p.delay
	p.mu.Unlock()
	if handle == nil {
		reply(req, tx, sipmsg.StatusBusyHere, "Busy Here")
		return
	}
	if !p.authorized(req, tx) {
		return
	}
	offer, law, ok := acceptOffer(req, tx)
	if !ok {
		return
	}
	dlg, err := p.dua.ReadInvite(req, tx)
	if err != nil {
		reply(req, tx, sipmsg.StatusBadRequest, "Bad Request")
		return
	}
	c, err := p.newCall(law)
	if err != nil {
		_ = dlg.Respond(sipmsg.StatusServiceUnavailable, "No Media", nil)
		return
	}
	c.srv = dlg
	c.RTP.SetRemote(offer.Addr)
	if te, ok := offer.TelephoneEvent(); ok {
		c.EvPT = int(te.PT)
		c.RTP.SetEventPayloadType(te.PT)
	}
	_ = dlg.Respond(sipmsg.StatusRinging, "Ringing", nil)
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-dlg.Context().Done():
			select {
			case p.cancels <- struct{}{}:
			default:
			}
			c.end()
			return
		}
	}
	ans, err := media.BuildAnswer(offer, media.Answer{Addr: c.RTP.LocalAddr(), Codec: law, TelephoneEvent: true, SessionID: rand.Uint64() >> 1})
	if err != nil {
		_ = dlg.Respond(sipmsg.StatusNotAcceptableHere, "Not Acceptable Here", nil)
		c.end()
		return
	}
	p.mu.Lock()
	p.incoming[dlg.ID] = c
	p.mu.Unlock()
	if err := dlg.RespondSDP(ans); err != nil {
		c.end()
		return
	}
	go c.receive()
	go handle(c)
}

func (p *Phone) newCall(law media.Law) (*PhoneCall, error) {
	rtpSess, err := media.Listen(context.Background(), net.JoinHostPort(p.cfg.Host, "0"))
	if err != nil {
		return nil, err
	}
	codec, _ := media.NewCodec(law)
	rtpSess.SetPayloadType(law.PayloadType())
	return &PhoneCall{p: p, RTP: rtpSess, Codec: codec, EvPT: -1, ended: make(chan struct{})}, nil
}

// Dial calls number at the server and waits for the answer.
func (p *Phone) Dial(ctx context.Context, number string) (*PhoneCall, error) {
	laws := []media.Law{p.cfg.Law, media.Ulaw}
	if p.cfg.Law == media.Ulaw {
		laws = []media.Law{media.Ulaw, media.Alaw}
	}
	c, err := p.newCall(laws[0])
	if err != nil {
		return nil, err
	}
	offer, err := media.BuildOffer(media.OfferSpec{Addr: c.RTP.LocalAddr(), Laws: laws, Event: eventPT, SessionID: rand.Uint64() >> 1})
	if err != nil {
		c.RTP.Close()
		return nil, err
	}
	req := sipmsg.NewRequest(sipmsg.INVITE, p.serverURI(number))
	req.SetDestination(p.cfg.Server)
	req.SetBody(offer)
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	user := p.cfg.Username
	if user == "" {
		user = "caller"
	}
	from := sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: user, Host: p.cfg.Host, Port: int(p.addr.Port())}, Params: params("tag", sipmsg.GenerateTagN(16))}
	req.AppendHeader(&from)
	dlg, err := p.dua.WriteInvite(ctx, req)
	if err != nil {
		c.RTP.Close()
		return nil, fmt.Errorf("phone: invite: %w", err)
	}
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		c.RTP.Close()
		return nil, fmt.Errorf("phone: call %s: %w", number, err)
	}
	ans, err := media.ParseOffer(dlg.InviteResponse.Body())
	if err != nil {
		c.RTP.Close()
		return nil, fmt.Errorf("phone: answer sdp: %w", err)
	}
	law, err := ans.ChooseCodec()
	if err != nil {
		c.RTP.Close()
		return nil, err
	}
	c.Codec, _ = media.NewCodec(law)
	c.RTP.SetPayloadType(law.PayloadType())
	c.RTP.SetRemote(ans.Addr)
	if te, ok := ans.TelephoneEvent(); ok {
		c.EvPT = int(te.PT)
		c.RTP.SetEventPayloadType(te.PT)
	}
	c.cli = dlg
	p.mu.Lock()
	p.outgoing[dlg.ID] = c
	p.mu.Unlock()
	if err := dlg.Ack(ctx); err != nil {
		c.end()
		return nil, fmt.Errorf("phone: ack: %w", err)
	}
	go c.receive()
	return c, nil
}

// receive decodes what arrives: audio into the recording, events into digits.
func (c *PhoneCall) receive() {
	buf := make([]byte, 1500)
	det := media.NewEventDetector(media.SampleRate)
	pcm := make([]int16, 1500)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-c.ended; cancel() }()
	for {
		pk, err := c.RTP.ReadPacket(ctx, buf)
		if err != nil {
			return
		}
		c.mu.Lock()
		c.recv = true
		if c.EvPT >= 0 && int(pk.PayloadType) == c.EvPT {
			ds, _ := det.Packet(pk.Timestamp, pk.Payload)
			for _, d := range ds {
				c.digits = append(c.digits, d.Key)
			}
		} else if pk.PayloadType == c.Codec.Law().PayloadType() && len(c.audio) < 10*60*media.SampleRate {
			n := c.Codec.Decode(pcm, pk.Payload)
			c.audio = append(c.audio, pcm[:n]...)
		}
		c.mu.Unlock()
	}
}

// Audio returns a copy of the audio received so far (decoded PCM).
func (c *PhoneCall) Audio() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int16(nil), c.audio...)
}

// Digits returns the DTMF keys received as RFC 4733 events.
func (c *PhoneCall) Digits() []rune {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]rune(nil), c.digits...)
}

// Play sends src on the call in real time.
func (c *PhoneCall) Play(ctx context.Context, src media.Source) error {
	return c.RTP.Play(ctx, src, c.Codec)
}

// SendDigit sends a DTMF key as RFC 4733 events.
func (c *PhoneCall) SendDigit(ctx context.Context, key rune) error {
	if c.EvPT < 0 {
		return errors.New("phone: no telephone-event negotiated")
	}
	return c.RTP.SendDigit(ctx, key, 100*time.Millisecond)
}

// SendInfoDigit sends a DTMF key as a SIP INFO (application/dtmf-relay)
// on the call Plateau answered, and waits for the response.
func (c *PhoneCall) SendInfoDigit(ctx context.Context, key rune) error {
	if c.cli == nil {
		return errors.New("phone: INFO only on calls the phone placed")
	}
	req := sipmsg.NewRequest(sipmsg.INFO, c.cli.InviteResponse.Contact().Address)
	req.SetBody([]byte(fmt.Sprintf("Signal=%c\r\nDuration=160\r\n", key)))
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/dtmf-relay"))
	res, err := c.cli.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("phone: info: %w", err)
	}
	if res.StatusCode != sipmsg.StatusOK {
		return fmt.Errorf("phone: info: %d %s", res.StatusCode, res.Reason)
	}
	return nil
}

// Ended is closed when the call is over (either side hung up).
func (c *PhoneCall) Ended() <-chan struct{} { return c.ended }

// Hangup sends BYE and ends the call.
func (c *PhoneCall) Hangup(ctx context.Context) error {
	var err error
	switch {
	case c.srv != nil:
		err = c.srv.Bye(ctx)
	case c.cli != nil:
		err = c.cli.Bye(ctx)
	}
	c.end()
	return err
}

func (c *PhoneCall) end() {
	c.once.Do(func() {
		close(c.ended)
		c.RTP.Close()
		c.p.mu.Lock()
		if c.srv != nil {
			delete(c.p.incoming, c.srv.ID)
		}
		if c.cli != nil {
			delete(c.p.outgoing, c.cli.ID)
		}
		c.p.mu.Unlock()
	})
}

// RunPhoneBot is the phone of a demo agent bot: it registers, answers every
// call the agent is offered, says hello with a one-second 440 Hz tone and
// then echoes what it hears until the call ends (the bot's desktop ends it
// after its handle time). It re-registers before expiry and returns when
// ctx is done.
func RunPhoneBot(ctx context.Context, cfg PhoneConfig) error {
	p, err := NewPhone(ctx, cfg)
	if err != nil {
		return err
	}
	p.Answer(func(c *PhoneCall) {
		tone, err := media.NewTone(440, 6000, time.Second)
		if err == nil {
			_ = c.Play(ctx, tone)
		}
		c.echo(ctx)
	})
	const expires = 5 * time.Minute
	for {
		next := expires / 2
		if err := p.Register(ctx, expires); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Refused for now (503 from the per-source rate limit when the
			// demo's bots register at once, all from one address): again
			// after Retry-After, spread a little, else in a few seconds.
			next = 5 * time.Second
			var re *RegisterError
			if errors.As(err, &re) && re.RetryAfter > 0 {
				next = re.RetryAfter
				p.log.Debug("phone bot: register deferred", "username", cfg.Username, "err", err, "retry_after", re.RetryAfter)
			} else {
				p.log.Warn("phone bot: register", "username", cfg.Username, "err", err)
			}
			next += rand.N(time.Second)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(next):
		}
	}
}

// echo sends back every packet received until the call ends.
func (c *PhoneCall) echo(ctx context.Context) {
	// The receive loop keeps the recording; echo reads its own copy of the
	// stream by sampling the recording in 20 ms frames.
	t := time.NewTicker(media.FrameTime)
	defer t.Stop()
	sent := len(c.Audio())
	frame := make([]byte, media.FrameSamples)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.ended:
			return
		case <-t.C:
		}
		c.mu.Lock()
		for len(c.audio)-sent >= media.FrameSamples {
			c.Codec.Encode(frame, c.audio[sent:sent+media.FrameSamples])
			sent += media.FrameSamples
			c.mu.Unlock()
			_ = c.RTP.WriteFrame(frame, media.FrameSamples, false)
			c.mu.Lock()
		}
		c.mu.Unlock()
	}
}

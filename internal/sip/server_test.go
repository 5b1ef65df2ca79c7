package sip

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

const (
	agentLogin = "amina"
	agentPass  = "correct horse battery"
	sipUser    = "amina-phone"
	sipPass    = "phone-secret-1"
	testCaller = "+33612345678"
)

type world struct {
	t      *testing.T
	st     *store.Store
	center *live.Center
	srv    *Server
	web    *httptest.Server
	tenant int64
	queue  model.Queue
	agent  int64
	reg    *prometheus.Registry
}

type worldOpts struct {
	closed        bool
	announceEvery time.Duration
	inviteBurst   float64
	recordings    string
	record        bool
	offerTimeout  int
	tlsCert       string // certificate and key files: SIP over TLS too
	tlsKey        string
	callbackAllow []string // callback number prefixes
	maxCalls      int
	maxPerTenant  int
	menuTimeout   time.Duration
	readTimeout   time.Duration // of SIP stream connections
	perSource     int           // stream connections per source
	trunks        []Trunk
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func newWorld(t *testing.T, o worldOpts) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	must(t, err, "store")
	t.Cleanup(func() { st.Close() })
	w := &world{t: t, st: st}
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
	must(t, err, "tenant")
	w.tenant = ten.ID
	site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 30_00})
	must(t, err, "site")
	q := model.Queue{Name: "phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80, SLThresholdSeconds: 20,
		Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 10, WrapUpSeconds: 30}
	if o.offerTimeout > 0 {
		q.OfferTimeoutSeconds = o.offerTimeout
	}
	if o.record {
		q.Recording, q.RecordingRetentionDays = true, 30
	}
	if o.closed {
		paris, _ := time.LoadLocation("Europe/Paris")
		today := time.Now().In(paris)
		s, err := st.CreateSchedule(ctx, ten.ID, model.Schedule{Name: "holiday", TimeZone: "Europe/Paris",
			Weekly: []model.WeeklyHours{{Day: int(today.Weekday()), From: "00:00", To: "23:59"}}, Holidays: []string{today.Format(time.DateOnly)}})
		must(t, err, "schedule")
		q.ScheduleID = &s.ID
	}
	w.queue, err = st.CreateQueue(ctx, ten.ID, q)
	must(t, err, "queue")
	_, err = st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryPhone, Address: "1000", QueueID: w.queue.ID})
	must(t, err, "entry")
	a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Amina B.", VoiceCapacity: 1})
	must(t, err, "agent")
	w.agent = a.ID
	u, err := st.CreateUser(ctx, &ten.ID, model.User{Login: agentLogin, DisplayName: "Amina", Role: model.RoleAgent, AgentID: &a.ID})
	must(t, err, "user")
	must(t, st.SetPassword(ctx, &ten.ID, u.ID, agentPass), "password")
	must(t, st.SetSIPAccount(ctx, ten.ID, a.ID, sipUser, DefaultRealm, sipPass), "sip account")

	w.center, err = live.New(ctx, st, live.Options{Logger: testLogger(t).With("part", "live")})
	must(t, err, "center")
	centerDone := make(chan struct{})
	go func() { w.center.Run(ctx); close(centerDone) }()
	mux := http.NewServeMux()
	mux.Handle("/agent/", w.center.AgentHandler())
	w.web = httptest.NewServer(mux)
	t.Cleanup(w.web.Close)

	w.reg = prometheus.NewRegistry()
	w.srv, err = New(Config{Registerer: w.reg, Addr: "127.0.0.1:0", AnnounceEvery: o.announceEvery, InviteBurst: o.inviteBurst, RecordingsDir: o.recordings, CallbackAllow: o.callbackAllow,
		MaxCalls: o.maxCalls, MaxCallsPerTenant: o.maxPerTenant, MenuTimeout: o.menuTimeout,
		ReadTimeout: o.readTimeout, MaxConnsPerSource: o.perSource, Trunks: o.trunks,
		TLSAddr: tlsAddr(o), CertFile: o.tlsCert, KeyFile: o.tlsKey, Logger: testLogger(t).With("part", "sip")}, w.center, st)
	must(t, err, "sip server")
	must(t, w.srv.Listen(ctx), "sip listen")
	srvDone := make(chan struct{})
	go func() { w.srv.Serve(ctx); close(srvDone) }()
	t.Cleanup(func() {
		cancel()
		<-srvDone
		<-centerDone
	})
	return w
}

func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(w.t.Context(), 60*time.Second)
	w.t.Cleanup(cancel)
	return ctx
}

func (w *world) phone(user, pass string) *Phone {
	w.t.Helper()
	p, err := NewPhone(w.t.Context(), PhoneConfig{Server: w.srv.Addr().String(), Username: user, Password: pass, Logger: testLogger(w.t).With("part", "phone-"+user)})
	must(w.t, err, "phone")
	return p
}

// answeringPhone registers the agent's phone, which answers every call
// with a tone of hz; the calls it answered arrive on the channel.
func (w *world) answeringPhone(ctx context.Context, hz float64) (*Phone, <-chan *PhoneCall) {
	w.t.Helper()
	p := w.phone(sipUser, sipPass)
	answered := make(chan *PhoneCall, 1)
	p.Answer(func(c *PhoneCall) {
		answered <- c
		tone, _ := media.NewTone(hz, 8000, 0)
		c.Play(ctx, tone)
	})
	must(w.t, p.Register(ctx, time.Hour), "register")
	return p, answered
}

// readyDesk signs the agent's desktop in and asks for the ready state.
func (w *world) readyDesk() *desk {
	w.t.Helper()
	d := w.desk()
	d.send(map[string]any{"type": "state", "state": "ready"})
	return d
}

// desk is the agent's desktop WebSocket.
type desk struct {
	t    *testing.T
	conn *websocket.Conn
}

func (w *world) desk() *desk {
	w.t.Helper()
	conn, _, err := websocket.Dial(w.ctx(), "ws"+strings.TrimPrefix(w.web.URL, "http")+"/agent/ws", nil)
	must(w.t, err, "dial desk")
	w.t.Cleanup(func() { conn.CloseNow() })
	d := &desk{t: w.t, conn: conn}
	d.send(map[string]any{"type": "login", "login": agentLogin, "password": agentPass})
	d.expect("logged_in", nil)
	return d
}

func (d *desk) send(v any) {
	b, _ := json.Marshal(v)
	must(d.t, d.conn.Write(d.t.Context(), websocket.MessageText, b), "desk write")
}

func (d *desk) expect(typ string, ok func(map[string]any) bool) map[string]any {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.t.Context(), 15*time.Second)
	defer cancel()
	for {
		_, b, err := d.conn.Read(ctx)
		if err != nil {
			d.t.Fatalf("desk: waiting for %q: %v", typ, err)
		}
		var f map[string]any
		must(d.t, json.Unmarshal(b, &f), "desk frame")
		if f["type"] == typ && (ok == nil || ok(f)) {
			return f
		}
		d.t.Logf("desk: skipping %s", b)
	}
}

// rms is the root mean square of samples.
func rms(x []int16) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// goertzel returns the power share of freq in x (0..1).
func goertzel(x []int16, freq float64) float64 {
	if len(x) == 0 {
		return 0
	}
	k := 2 * math.Cos(2*math.Pi*freq/media.SampleRate)
	var s1, s2, energy float64
	for _, v := range x {
		f := float64(v)
		s0 := f + k*s1 - s2
		s2, s1 = s1, s0
		energy += f * f
	}
	p := s1*s1 + s2*s2 - k*s1*s2
	if energy == 0 {
		return 0
	}
	return 2 * p / (float64(len(x)) * energy)
}

func eventually(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	eventuallyEvery(t, what, d, 20*time.Millisecond, cond)
}

// eventuallyEvery is eventually for a costly cond (searching prompts in
// the audio heard is slow under the race detector): tried every period.
func eventuallyEvery(t *testing.T, what string, d, period time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(period)
	}
}

func promptSamples(t *testing.T, lang, name string) int {
	t.Helper()
	s, err := media.LoadWAV(media.Prompts(), lang+"/"+name+".wav")
	must(t, err, "prompt "+name)
	return s.Len()
}

func TestCallQueuedAnnouncedAnsweredBridged(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial 1000")
	// The call was stored and queued before the answer.
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open interactions")
	if len(ins) != 1 || ins[0].Channel != model.ChannelVoice || ins[0].State != model.StateQueued || ins[0].Customer.Phone != testCaller {
		t.Fatalf("stored %+v", ins)
	}
	id := ins[0].ID
	// The caller hears the welcome then "vous êtes le prochain" and the wait:
	// as long as those prompts, and not silence.
	welcome := promptSamples(t, "fr", media.PromptWelcome)
	next := promptSamples(t, "fr", media.PromptNext)
	eventually(t, "the announcement", 20*time.Second, func() bool { return len(call.Audio()) >= welcome+next })
	audio := call.Audio()
	if r := rms(audio[:welcome]); r < 300 {
		t.Fatalf("welcome is silence (rms %.0f)", r)
	}

	// The agent's phone registers (digest) and the agent gets ready.
	_, answered := w.answeringPhone(ctx, 1300)
	d := w.readyDesk()
	offer := d.expect("offer", nil)
	if offer["channel"] != "voice" || int64(offer["contact_id"].(float64)) != id {
		t.Fatalf("offer %v", offer)
	}
	var agentCall *PhoneCall
	select {
	case agentCall = <-answered:
	case <-time.After(15 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	d.expect("connected", nil)
	// Both ways across the bridge: the caller's 700 Hz reaches the agent,
	// the agent's 1300 Hz the caller.
	before := len(call.Audio())
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(ctx, tone)
	}()
	eventually(t, "audio both ways", 15*time.Second, func() bool {
		return len(agentCall.Audio()) > 8000 && len(call.Audio()) > before+8000
	})
	// The latest half second on each side is the other's tone.
	eventually(t, "each side hears the other's tone", 15*time.Second, func() bool {
		ag, ca := agentCall.Audio(), call.Audio()[before:]
		return goertzel(ag[len(ag)-4000:], 700) >= 0.5 && goertzel(ca[len(ca)-4000:], 1300) >= 0.5
	})
	// The caller hangs up: the agent's phone gets BYE, the agent wraps up.
	must(t, call.Hangup(ctx), "caller bye")
	select {
	case <-agentCall.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone was not hung up")
	}
	d.expect("ended", nil)
	if n := metricValue(t, w.reg, "plateau_sip_bridges_total"); n != 1 {
		t.Errorf("plateau_sip_bridges_total = %v", n)
	}
	if n := metricValue(t, w.reg, "plateau_sip_phones_registered"); n != 1 {
		t.Errorf("plateau_sip_phones_registered = %v", n)
	}
	segs, err := w.st.ListSegments(ctx, w.tenant, id)
	must(t, err, "segments")
	var kinds []string
	for _, s := range segs {
		kinds = append(kinds, string(s.Kind))
		if s.Billable != (s.Kind == model.SegConnected || s.Kind == model.SegWrapUp) {
			t.Errorf("segment %s billable=%v", s.Kind, s.Billable)
		}
	}
	if fmt.Sprint(kinds) != "[queued offered connected wrap_up]" {
		t.Fatalf("segments %v", kinds)
	}
}

func TestAgentHangsUpAndRONA(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	agentPhone := w.phone(sipUser, sipPass)
	must(t, agentPhone.Register(ctx, time.Hour), "register")
	d := w.readyDesk()
	d.expect("agent_state", func(f map[string]any) bool { return f["state"] == "ready" })
	// The phone does not answer: busy (486) is a decline, the agent is not ready.
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	d.expect("offer", nil)
	d.expect("offer_withdrawn", nil)
	d.expect("agent_state", func(f map[string]any) bool { return f["state"] == "not_ready" })
	// Now it answers; then the agent hangs up: the caller gets BYE.
	answered := make(chan *PhoneCall, 1)
	agentPhone.Answer(func(c *PhoneCall) { answered <- c })
	d.send(map[string]any{"type": "state", "state": "ready"})
	d.expect("connected", nil)
	ac := <-answered
	must(t, ac.Hangup(ctx), "agent bye")
	select {
	case <-call.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the caller was not hung up")
	}
	d.expect("ended", nil)
}

func TestUnregisteredAgentNeverRung(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	// Wrong password: not registered.
	bad := w.phone(sipUser, "wrong-password")
	if err := bad.Register(ctx, time.Hour); err == nil {
		t.Fatal("registered with a wrong password")
	}
	unknown := w.phone("nobody", "whatever-pass")
	if err := unknown.Register(ctx, time.Hour); err == nil {
		t.Fatal("registered an unknown username")
	}
	rang := make(chan struct{}, 1)
	bad.Answer(func(*PhoneCall) { rang <- struct{}{} })
	d := w.desk()
	d.send(map[string]any{"type": "state", "state": "ready"})
	caller := w.phone(testCaller, "")
	_, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	d.expect("offer", nil)
	d.expect("offer_withdrawn", func(f map[string]any) bool { return f["reason"] == "declined" })
	select {
	case <-rang:
		t.Fatal("an unregistered phone was rung")
	case <-time.After(300 * time.Millisecond):
	}
}

func TestUnknownNumberAndMalformed(t *testing.T) {
	w := newWorld(t, worldOpts{inviteBurst: 3})
	ctx := w.ctx()
	caller := w.phone(testCaller, "")
	_, err := caller.Dial(ctx, "9999")
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown number: %v, want 404", err)
	}
	// Garbage on the SIP socket is dropped; a request missing headers gets 400.
	conn, err := net.Dial("udp", w.srv.Addr().String())
	must(t, err, "udp")
	defer conn.Close()
	for _, junk := range []string{"\x00\x01garbage", "INVITE sip:1000@x SIP/2.0\r\n\r\n", strings.Repeat("A", 4000)} {
		conn.Write([]byte(junk))
	}
	local := conn.LocalAddr().String()
	noFrom := "INVITE sip:1000@" + w.srv.Addr().String() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";branch=z9hG4bK-x1\r\n" +
		"To: <sip:1000@127.0.0.1>\r\nCall-ID: junk-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	conn.Write([]byte(noFrom))
	buf := make([]byte, 2000)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err == nil && !strings.HasPrefix(string(buf[:n]), "SIP/2.0 400") && !strings.HasPrefix(string(buf[:n]), "SIP/2.0 100") {
		t.Fatalf("missing From: got %q", buf[:n])
	}
	// Still serving, and INVITEs are rate-limited per source: burst 3 (one
	// used above by 9999), then 503 with Retry-After.
	var limited bool
	for i := 0; i < 5 && !limited; i++ {
		_, err := caller.Dial(ctx, "9999")
		limited = err != nil && strings.Contains(err.Error(), "503")
	}
	if !limited {
		t.Fatal("INVITEs not rate-limited")
	}
	for code, what := range map[string]string{"404": "unknown number", "503": "rate limit", "400": "missing From"} {
		if n := metricValue(t, w.reg, "plateau_sip_responses_total", "method", "INVITE", "code", code); n < 1 {
			t.Errorf("plateau_sip_responses_total{INVITE,%s} (%s) = %v", code, what, n)
		}
	}
	// Other sources are not affected.
	other, err := NewPhone(t.Context(), PhoneConfig{Server: w.srv.Addr().String(), Host: "127.0.0.2", Username: "+33699999999"})
	must(t, err, "phone on 127.0.0.2")
	c, err := other.Dial(ctx, "1000")
	must(t, err, "another source")
	c.Hangup(ctx)
}

func TestClosedAnnouncementThenBye(t *testing.T) {
	w := newWorld(t, worldOpts{closed: true})
	ctx := w.ctx()
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	select {
	case <-call.Ended():
	case <-time.After(20 * time.Second):
		t.Fatal("no BYE after the closed announcement")
	}
	closed := promptSamples(t, "fr", media.PromptClosed)
	if got := len(call.Audio()); got < closed*9/10 {
		t.Fatalf("heard %d samples before BYE, the closed announcement has %d", got, closed)
	}
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open")
	if len(ins) != 0 {
		t.Fatalf("a closed call stays open: %+v", ins)
	}
}

func TestCallerHangsUpWhileWaiting(t *testing.T) {
	w := newWorld(t, worldOpts{announceEvery: time.Second})
	ctx := w.ctx()
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	eventually(t, "the announcement starts", 10*time.Second, func() bool { return len(call.Audio()) > 0 })
	must(t, call.Hangup(ctx), "bye")
	eventually(t, "abandoned", 10*time.Second, func() bool {
		ins, _ := w.st.ListOpenInteractions(ctx)
		return len(ins) == 0
	})
	// Without a callback gateway, 1 does nothing: the caller keeps waiting.
	call, err = caller.Dial(ctx, "1000")
	must(t, err, "dial again")
	start := len(call.Audio())
	must(t, call.SendDigit(ctx, '1'), "press 1")
	// Long enough for the confirmation to have started had 1 been taken.
	number, err := media.LoadWAV(media.Prompts(), "fr/"+media.PromptCallbackNumber+".wav")
	must(t, err, "prompt")
	eventually(t, "the caller hears on", 20*time.Second, func() bool { return len(call.Audio()) > start+number.Len()+8000 })
	if at := findPrompt(call.Audio()[start:], number.Data()); len(at) > 0 {
		t.Fatalf("without a gateway, 1 started the callback confirmation (at %v)", at)
	}
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open")
	if len(ins) != 1 || ins[0].State != model.StateQueued {
		t.Fatalf("without a gateway: %+v", ins)
	}
	select {
	case <-call.Ended():
		t.Fatal("hung up without a callback")
	default:
	}
}

// TestCallbackConfirmedThenPlaced: the caller presses 1, hears the number,
// dials another one then #, confirms with 1 and is hung up; their place is
// kept. When the agent's phone answers the callback, Plateau calls that
// number through the gateway and bridges both.
func TestCallbackConfirmedThenPlaced(t *testing.T) {
	w := newWorld(t, worldOpts{callbackAllow: []string{"0", "+33"}})
	ctx := w.ctx()
	customer := w.phone(testCaller, "")
	w.srv.cfg.CallbackGateway = customer.Addr().String() // the "trunk" is the customer's phone
	call, err := customer.Dial(ctx, "1000")
	must(t, err, "dial")
	welcome := promptSamples(t, "fr", media.PromptWelcome)
	eventually(t, "the welcome", 20*time.Second, func() bool { return len(call.Audio()) > welcome })
	must(t, call.SendDigit(ctx, '1'), "press 1")
	confirm := promptSamples(t, "fr", media.PromptCallbackNumber) + promptSamples(t, "fr", media.PromptCallbackConfirm)
	start := len(call.Audio())
	eventually(t, "the confirmation", 20*time.Second, func() bool { return len(call.Audio()) > start+confirm })
	for _, k := range "0612345678#" {
		must(t, call.SendDigit(ctx, k), "another number")
	}
	// No wait: the keys are handled in the order pressed, '#' (the new
	// number) before the '1' confirming it.
	must(t, call.SendDigit(ctx, '1'), "confirm")
	select {
	case <-call.Ended():
	case <-time.After(30 * time.Second):
		t.Fatal("no BYE after the callback was confirmed")
	}
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open")
	if len(ins) != 1 || ins[0].State != model.StateCallback || ins[0].Callback == nil || ins[0].Callback.Number != "0612345678" {
		t.Fatalf("callback stored as %+v", ins)
	}
	// The callback comes up: the agent's phone first, then the customer.
	custCalls := make(chan *PhoneCall, 1)
	customer.Answer(func(c *PhoneCall) {
		custCalls <- c
		tone, _ := media.NewTone(700, 8000, 0)
		c.Play(ctx, tone)
	})
	_, agentCalls := w.answeringPhone(ctx, 1300)
	d := w.readyDesk()
	offer := d.expect("offer", nil)
	if offer["callback"] != true {
		t.Fatalf("offer %v", offer)
	}
	var ac, cc *PhoneCall
	select {
	case ac = <-agentCalls:
	case <-time.After(15 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	select {
	case cc = <-custCalls:
	case <-time.After(15 * time.Second):
		t.Fatal("the customer was not called back")
	}
	eventually(t, "audio both ways", 15*time.Second, func() bool { return len(ac.Audio()) > 8000 && len(cc.Audio()) > 8000 })
	eventually(t, "agent and customer hear each other's tone", 15*time.Second, func() bool {
		a, c := ac.Audio(), cc.Audio()
		return goertzel(a[len(a)-4000:], 700) >= 0.5 && goertzel(c[len(c)-4000:], 1300) >= 0.5
	})
	must(t, cc.Hangup(ctx), "customer bye")
	select {
	case <-ac.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone was not hung up")
	}
	d.expect("ended", nil)
}

func TestEntryRequestURIUser(t *testing.T) {
	t.Parallel()
	var u sipmsg.Uri
	must(t, sipmsg.ParseUri("sip:1000@127.0.0.1", &u), "parse")
	if n, err := entryNumber(u); err != nil || n != "1000" {
		t.Fatalf("%q %v", n, err)
	}
}

// TestRingNoAnswerIsRONA: a phone that rings past the offer timeout is
// cancelled (CANCEL), the call keeps its place and the agent is not ready.
func TestRingNoAnswerIsRONA(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{offerTimeout: 2})
	ctx := w.ctx()
	agentPhone := w.phone(sipUser, sipPass)
	agentPhone.AnswerAfter(time.Minute, func(*PhoneCall) { t.Error("answered after the offer timed out") })
	must(t, agentPhone.Register(ctx, time.Hour), "register")
	d := w.readyDesk()
	d.expect("agent_state", func(f map[string]any) bool { return f["state"] == "ready" })
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	d.expect("offer", nil)
	w2 := d.expect("offer_withdrawn", nil)
	if w2["reason"] != "rona" {
		t.Fatalf("withdrawn %v", w2)
	}
	select {
	case <-agentPhone.Cancelled():
	case <-time.After(10 * time.Second):
		t.Fatal("the ringing phone got no CANCEL")
	}
	d.expect("agent_state", func(f map[string]any) bool { return f["state"] == "not_ready" })
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open")
	if len(ins) != 1 || ins[0].State != model.StateQueued {
		t.Fatalf("after RONA: %+v", ins)
	}
	select {
	case <-call.Ended():
		t.Fatal("the caller was hung up by a RONA")
	default:
	}
}

func tlsAddr(o worldOpts) string {
	if o.tlsCert == "" {
		return ""
	}
	return "127.0.0.1:0"
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err, "key")
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "plateau test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err, "certificate")
	kb, err := x509.MarshalECPrivateKey(key)
	must(t, err, "key bytes")
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	must(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600), "write cert")
	must(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600), "write key")
	return certFile, keyFile
}

// options sends an OPTIONS over a stream connection and returns the status line.
func options(t *testing.T, conn net.Conn, proto string) string {
	t.Helper()
	local := conn.LocalAddr().String()
	req := "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/" + proto + " " + local + ";branch=z9hG4bK-opt" + proto + "\r\n" +
		"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: opt-" + proto + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	_, err := conn.Write([]byte(req))
	must(t, err, "write options")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	must(t, err, "read response")
	return strings.TrimSpace(line)
}

func TestTCPAndTLS(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	w := newWorld(t, worldOpts{tlsCert: cert, tlsKey: key})
	tcp, err := net.Dial("tcp", w.srv.Addr().String())
	must(t, err, "tcp")
	defer tcp.Close()
	if got := options(t, tcp, "TCP"); got != "SIP/2.0 200 OK" {
		t.Fatalf("OPTIONS over TCP: %q", got)
	}
	if !w.srv.TLSAddr().IsValid() {
		t.Fatal("no TLS listener with a certificate configured")
	}
	pool := x509.NewCertPool()
	pemBytes, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pemBytes)
	tc, err := tls.Dial("tcp", w.srv.TLSAddr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	must(t, err, "tls handshake")
	defer tc.Close()
	if got := options(t, tc, "TLS"); got != "SIP/2.0 200 OK" {
		t.Fatalf("OPTIONS over TLS: %q", got)
	}
	// Without TLS configured there is no TLS listener.
	if newWorld(t, worldOpts{}).srv.TLSAddr().IsValid() {
		t.Fatal("a TLS listener without a certificate")
	}
}

// metricValue returns the value of the series name with the given label
// pairs (0 when absent).
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	must(t, err, "gather")
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if got[labels[i]] != labels[i+1] {
					continue next
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

// TestCallbackByInfo: the keys may come as SIP INFO (dtmf-relay) instead of
// RFC 4733 events: 1 asks for the callback, 1 confirms the calling number.
func TestCallbackByInfo(t *testing.T) {
	w := newWorld(t, worldOpts{callbackAllow: []string{"+33"}})
	ctx := w.ctx()
	caller := w.phone(testCaller, "")
	w.srv.cfg.CallbackGateway = "127.0.0.1:9" // never called in this test
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	must(t, call.SendInfoDigit(ctx, '1'), "INFO 1")
	must(t, call.SendInfoDigit(ctx, '1'), "INFO 1 again")
	select {
	case <-call.Ended():
	case <-time.After(40 * time.Second):
		t.Fatal("no BYE after the callback was confirmed by INFO")
	}
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open")
	if len(ins) != 1 || ins[0].State != model.StateCallback || ins[0].Callback == nil || ins[0].Callback.Number != testCaller {
		t.Fatalf("callback stored as %+v", ins)
	}
}

// findPrompt returns the offsets where prompt appears in heard: a 100 ms
// signature (after the prompt's 40 ms of leading silence) is correlated at
// every offset, then the whole prompt is checked where it matches
// (normalised correlation above 0.9; G.711 only adds quantisation noise).
func findPrompt(heard, prompt []int16) []int {
	const lead, sig = 320, 800
	if len(prompt) < lead+sig {
		return nil
	}
	corr := func(a, b []int16) float64 {
		var ab, aa, bb float64
		for i := range b {
			x, y := float64(a[i]), float64(b[i])
			ab += x * y
			aa += x * x
			bb += y * y
		}
		if aa == 0 || bb == 0 {
			return 0
		}
		return ab / math.Sqrt(aa*bb)
	}
	// coarse: the signature's every 16th sample first, so that the full
	// correlations (slow under the race detector, and run by tests every
	// few milliseconds) are only made where the sparse one already agrees.
	const stride = 16
	coarse := func(a, b []int16) float64 {
		var ab, aa, bb float64
		for i := 0; i < len(b); i += stride {
			x, y := float64(a[i]), float64(b[i])
			ab += x * y
			aa += x * x
			bb += y * y
		}
		if aa == 0 || bb == 0 {
			return 0
		}
		return ab / math.Sqrt(aa*bb)
	}
	var out []int
	signature := prompt[lead : lead+sig]
	for off := lead; off+len(prompt)-lead <= len(heard); off++ {
		if coarse(heard[off:off+sig], signature) < 0.7 || corr(heard[off:off+sig], signature) < 0.9 {
			continue
		}
		start := off - lead
		if corr(heard[start:start+len(prompt)], prompt) > 0.9 {
			out = append(out, start)
			off = start + len(prompt)
		}
	}
	return out
}

// TestAnnouncementRepeated: the caller hears exactly the welcome and
// "you are next", then music, then "you are next" again after
// AnnounceEvery.
func TestAnnouncementRepeated(t *testing.T) {
	w := newWorld(t, worldOpts{announceEvery: 2 * time.Second})
	ctx := w.ctx()
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	load := func(name string) []int16 {
		s, err := media.LoadWAV(media.Prompts(), "fr/"+name+".wav")
		must(t, err, name)
		return s.Data()
	}
	welcome, next := load(media.PromptWelcome), load(media.PromptNext)
	eventuallyEvery(t, "the announcement repeated", 60*time.Second, 500*time.Millisecond, func() bool {
		return len(findPrompt(call.Audio(), next)) >= 2
	})
	heard := call.Audio()
	if at := findPrompt(heard, welcome); len(at) != 1 || at[0] != 0 {
		t.Fatalf("welcome found at %v, want once at the start", at)
	}
	at := findPrompt(heard, next)
	if at[0] < len(welcome) || at[0] > len(welcome)+media.FrameSamples {
		t.Errorf("\"you are next\" at sample %d, not right after the welcome (%d samples)", at[0], len(welcome))
	}
	// The repeat comes after the rest of the announcement and 2 s of music.
	gap := time.Duration(at[1]-at[0]) * time.Second / media.SampleRate
	if gap < 2*time.Second+time.Duration(len(next))*time.Second/media.SampleRate || gap > 20*time.Second {
		t.Errorf("announcement repeated after %v", gap)
	}
	music := heard[at[1]-media.SampleRate : at[1]]
	if rms(music) < 100 {
		t.Errorf("silence instead of music on hold before the repeat (rms %.0f)", rms(music))
	}
}

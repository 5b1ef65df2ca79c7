package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/store"
)

var (
	reSIP      = regexp.MustCompile(`SIP\s+sip:1000@(\S+) `)
	reAgentSIP = regexp.MustCompile(`^\s+agent1\s+(\S+)\s+agent\s+(\S+)\s`)
)

// power returns the share of x's energy at freq (Goertzel).
func power(x []int16, freq float64) float64 {
	if len(x) == 0 {
		return 0
	}
	k := 2 * math.Cos(2*math.Pi*freq/media.SampleRate)
	var s1, s2, energy float64
	for _, v := range x {
		f := float64(v)
		s1, s2 = f+k*s1-s2, s1
		energy += f * f
	}
	if energy == 0 {
		return 0
	}
	return 2 * (s1*s1 + s2*s2 - k*s1*s2) / (float64(len(x)) * energy)
}

func rmsOf(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(max(len(x), 1)))
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func promptLen(t *testing.T, name string) int {
	t.Helper()
	s, err := media.LoadWAV(media.Prompts(), "fr/"+name+".wav")
	if err != nil {
		t.Fatal(err)
	}
	return s.Len()
}

// TestSIPCallToAgentPhone: a Go SIP caller dials the demo's entry number
// 1000, hears the announcement, waits; an agent's phone registered with
// digest gets the INVITE when the agent goes ready, answers, audio crosses
// the bridge both ways, the caller's BYE ends the call, and the stored
// interaction has queued then connected segments, only the latter billable.
func TestSIPCallToAgentPhone(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end")
	}
	data := t.TempDir()
	srv := startDemo(t, "--data", data)
	sipAddr := srv.waitLine(t, reSIP)[1]
	agent := srv.waitLine(t, reAgentSIP)
	loginPass, sipPass := agent[1], agent[2]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	caller, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: sipAddr, Username: "+33612345678"})
	if err != nil {
		t.Fatal(err)
	}
	call, err := caller.Dial(ctx, "1000")
	if err != nil {
		t.Fatalf("dial 1000: %v", err)
	}
	// Welcome, then "vous êtes le prochain", then the wait.
	welcome, next := promptLen(t, media.PromptWelcome), promptLen(t, media.PromptNext)
	waitFor(t, "the announcement", 30*time.Second, func() bool { return len(call.Audio()) >= welcome+next })
	if r := rmsOf(call.Audio()[:welcome]); r < 300 {
		t.Fatalf("the welcome is silence (rms %.0f)", r)
	}

	phone, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: sipAddr, Username: "agent1", Password: sipPass})
	if err != nil {
		t.Fatal(err)
	}
	rung := make(chan *sip.PhoneCall, 1)
	phone.Answer(func(c *sip.PhoneCall) {
		rung <- c
		tone, _ := media.NewTone(1300, 8000, 0)
		c.Play(ctx, tone)
	})
	if err := phone.Register(ctx, time.Hour); err != nil {
		t.Fatalf("agent phone register: %v", err)
	}
	conn, _, err := websocket.Dial(ctx, srv.ws("/agent/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	send := func(v any) {
		b, _ := json.Marshal(v)
		if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(typ string) map[string]any {
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				t.Fatalf("desk: waiting for %s: %v", typ, err)
			}
			var f map[string]any
			json.Unmarshal(b, &f)
			if f["type"] == typ {
				return f
			}
		}
	}
	send(map[string]any{"type": "login", "login": "agent1", "password": loginPass})
	expect("logged_in")
	send(map[string]any{"type": "state", "state": "ready"})
	offer := expect("offer")
	id := int64(offer["contact_id"].(float64))
	var agentCall *sip.PhoneCall
	select {
	case agentCall = <-rung:
	case <-time.After(20 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	expect("connected")
	before := len(call.Audio())
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(ctx, tone)
	}()
	waitFor(t, "audio both ways", 20*time.Second, func() bool {
		return len(agentCall.Audio()) > 8000 && len(call.Audio()) > before+8000
	})
	// The latest half second on each side is the other's tone.
	waitFor(t, "each side hears the other's tone", 20*time.Second, func() bool {
		ag, ca := agentCall.Audio(), call.Audio()[before:]
		return power(ag[len(ag)-4000:], 700) >= 0.5 && power(ca[len(ca)-4000:], 1300) >= 0.5
	})
	if err := call.Hangup(ctx); err != nil {
		t.Fatalf("caller bye: %v", err)
	}
	select {
	case <-agentCall.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone got no BYE")
	}
	expect("ended")

	if got := voiceSegments(t, ctx, data, id)[id]; !strings.HasPrefix(got, "queued offered connected") {
		t.Fatalf("segments %s", got)
	}
}

// voiceSegments opens the demo's store in data and returns the segment
// kinds of each call ("queued offered connected ..."), checking that each
// is a voice interaction held by an agent and that only connected and
// wrap-up time is billable.
func voiceSegments(t *testing.T, ctx context.Context, data string, ids ...int64) map[int64]string {
	t.Helper()
	st, err := store.Open(ctx, filepath.Join(data, "plateau.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tenant, err := st.GetTenantBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, id := range ids {
		in, err := st.GetInteraction(ctx, tenant.ID, id)
		if err != nil || in.Channel != model.ChannelVoice || in.AgentID == nil {
			t.Fatalf("interaction %+v: %v", in, err)
		}
		segs, err := st.ListSegments(ctx, tenant.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, s := range segs {
			kinds = append(kinds, string(s.Kind))
			if s.Billable != (s.Kind == model.SegConnected || s.Kind == model.SegWrapUp) {
				t.Errorf("contact %d: segment %s billable=%v", id, s.Kind, s.Billable)
			}
		}
		out[id] = strings.Join(kinds, " ")
	}
	return out
}

// TestSIPDemoBotAnswers: with --agent-bots, a bot's phone answers a call
// to 1000, says hello with a 440 Hz tone and echoes the caller.
func TestSIPDemoBotAnswers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end")
	}
	_, caller, ctx := demoWithBot(t)
	var call *sip.PhoneCall
	// The bot needs a moment to sign in and register.
	waitFor(t, "a call", 30*time.Second, func() bool {
		c, err := caller.Dial(ctx, "1000")
		if err != nil {
			t.Logf("dial: %v", err)
			return false
		}
		call = c
		return true
	})
	defer call.Hangup(ctx)
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(ctx, tone)
	}()
	// The bot's 440 Hz hello, then our own 700 Hz echoed back.
	waitFor(t, "the bot's tone", 60*time.Second, func() bool { return heardTone(call.Audio(), 0, 440) })
	waitFor(t, "the echo", 20*time.Second, func() bool {
		a := call.Audio()
		return len(a) > 1600 && power(a[len(a)-1600:], 700) > 0.5
	})
}

// TestSIPDemoMenu: entry 1001 of the demo says its menu; the caller
// presses 2 and a bot answers the call in the voice sales queue.
func TestSIPDemoMenu(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end")
	}
	srv, caller, ctx := demoWithBot(t)
	var tenants []struct {
		ID int64 `json:"id"`
	}
	srv.api(t, "/api/v1/tenants", &tenants)
	if len(tenants) != 1 {
		t.Fatalf("%d tenants in the demo", len(tenants))
	}
	board := func() map[string]int {
		var wb struct {
			Queues []struct {
				Name  string `json:"name"`
				Today struct {
					Offered int `json:"offered"`
				} `json:"today"`
			} `json:"queues"`
		}
		srv.api(t, fmt.Sprintf("/api/v1/tenants/%d/wallboard", tenants[0].ID), &wb)
		out := map[string]int{}
		for _, q := range wb.Queues {
			out[q.Name] = q.Today.Offered
		}
		return out
	}
	call, err := caller.Dial(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	defer call.Hangup(ctx)
	// The welcome and the menu (about 9 s) play; nobody is offered the
	// call meanwhile: it waits in no queue.
	waitFor(t, "the menu", 20*time.Second, func() bool { return len(call.Audio()) >= 8*8000 })
	if heardTone(call.Audio(), 0, 440) {
		t.Fatal("a bot answered before the caller chose")
	}
	if b := board(); b["Ventes téléphone"] != 0 {
		t.Fatalf("sales offered %d before the choice", b["Ventes téléphone"])
	}
	if err := call.SendDigit(ctx, '2'); err != nil {
		t.Fatal(err)
	}
	heard := len(call.Audio())
	waitFor(t, "the bot's tone", 60*time.Second, func() bool { return heardTone(call.Audio(), heard, 440) })
	// Today's figures (cached up to a second) count the call in sales:
	// during the menu it belonged to the support line's queue.
	waitFor(t, "the call counted in sales", 10*time.Second, func() bool {
		b := board()
		return b["Ventes téléphone"] == 1 && b["Support téléphone"] == 0
	})
}

// demoWithBot starts the demo with one agent bot and a Go SIP caller; the
// context ends with the test (at most two minutes).
func demoWithBot(t *testing.T) (*server, *sip.Phone, context.Context) {
	t.Helper()
	// Exponential handle times: a mean this long keeps the bot on the call
	// for the test (with 30 s, it hung up within 10 s about once in four).
	srv := startDemo(t, "--data", t.TempDir(), "--agent-bots", "1", "--bot-handle", "10000h")
	sipAddr := srv.waitLine(t, reSIP)[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	caller, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: sipAddr, Username: "+33687654321"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, caller, ctx
}

// heardTone reports whether a 100 ms stretch of a from sample from on is
// mostly freq.
func heardTone(a []int16, from int, freq float64) bool {
	for i := from; i+1600 <= len(a); i += 800 {
		if power(a[i:i+1600], freq) > 0.5 {
			return true
		}
	}
	return false
}

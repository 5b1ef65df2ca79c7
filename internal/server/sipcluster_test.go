package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/cluster"
	"github.com/plateau-cc/plateau/internal/cluster/natstest"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// startSIPNode is startNode with SIP on a free port of 127.0.0.1, its
// callbacks placed through gateway to numbers starting with +33.
func startSIPNode(t *testing.T, fx clusterFixture, name, gateway string) (*Server, context.CancelFunc) {
	t.Helper()
	return startNodeWith(t, fx, name, func(c *Config) {
		c.SIP.Addr = "127.0.0.1:0"
		c.SIP.CallbackGateway, c.SIP.CallbackAllow = gateway, []string{"+33"}
	})
}

// voiceTenant is a tenant with a voice queue, the phone entry number
// "10<i>" and an agent (login agent<i>) with the SIP account phone<i>.
type voiceTenant struct {
	id     int64
	number string
	login  string
	sip    string
}

const sipTestPass = "phone-secret-1"

func seedVoiceTenant(t *testing.T, ctx context.Context, st *store.Store, i int) voiceTenant {
	t.Helper()
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: fmt.Sprintf("v%d", i), Name: fmt.Sprintf("Voice %d", i)})
	must(t, err)
	q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, WrapUpSeconds: 5})
	must(t, err)
	vt := voiceTenant{id: ten.ID, number: fmt.Sprintf("10%d", i), login: fmt.Sprintf("agent%d", i), sip: fmt.Sprintf("phone%d", i)}
	_, err = st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryPhone, Address: vt.number, QueueID: q.ID})
	must(t, err)
	site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 30_00})
	must(t, err)
	a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Amina B.", VoiceCapacity: 1})
	must(t, err)
	u, err := st.CreateUser(ctx, &ten.ID, model.User{Login: vt.login, DisplayName: "Amina", Role: model.RoleAgent, AgentID: &a.ID})
	must(t, err)
	must(t, st.SetPassword(ctx, &ten.ID, u.ID, "correct horse battery"))
	must(t, st.SetSIPAccount(ctx, ten.ID, a.ID, vt.sip, sip.DefaultRealm, sipTestPass))
	return vt
}

// TestSIPOnTwoNodesRedirectsAndMoves: both nodes listen for SIP. A call to
// a tenant's number sent to the node that does not own it is redirected
// (302, the owner's SIP address as Contact), answered there and reaches
// the agent whose phone registered through the other node the same way
// (after its digest: an unauthenticated REGISTER learns nothing). When a
// third node joins and wins the tenant, the old owner hangs the bridged
// call up and the new owner closes its record with a system cause
// (failed, answered: never the caller's abandon), and carries on the
// callback a second caller asked for: it rings the agent's phone, now
// registered with it, and places the call to the customer. The next call
// is redirected to the new owner and answered there.
func TestSIPOnTwoNodesRedirectsAndMoves(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dsn)
	must(t, err)
	defer st.Close()
	fx := clusterFixture{dsn: dsn, nats: natstest.Start(t).URL()}
	// A tenant that b wins among a and b, and c among a, b and c.
	var vt voiceTenant
	for i := 0; vt.id == 0; i++ {
		if i == 40 {
			t.Fatal("no tenant moves from b to c")
		}
		v := seedVoiceTenant(t, ctx, st, i)
		fx.tenants = append(fx.tenants, v.id)
		if cluster.Winner(v.id, []string{"a", "b"}) == "b" && cluster.Winner(v.id, []string{"a", "b", "c"}) == "c" {
			vt = v
		}
	}
	// The carrier the callbacks go out to.
	gw, err := sip.NewPhone(ctx, sip.PhoneConfig{Username: "carrier"})
	must(t, err)
	gwRung := make(chan *sip.PhoneCall, 1)
	gw.Answer(func(c *sip.PhoneCall) { gwRung <- c })
	gateway := gw.Addr().String()
	a, _ := startSIPNode(t, fx, "a", gateway)
	b, _ := startSIPNode(t, fx, "b", gateway)
	waitFor(t, "b runs the tenant, a knows it", func() bool {
		return b.cluster.center(vt.id) != nil && sipOwnerIn(a.cluster.mgr.LastStatus(), vt.id, "a", time.Now(), time.Hour) == b.SIP.Addr().String()
	})
	aSIP, bSIP := a.SIP.Addr().String(), b.SIP.Addr().String()

	// The caller, sent to a: redirected to b, answered there.
	caller, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: aSIP, Username: "+33612345678"})
	must(t, err)
	_, err = caller.Dial(ctx, vt.number)
	if code, to, ok := sip.Redirected(err); !ok || code != 302 || to != bSIP {
		t.Fatalf("call to %s at a: %v (redirect %d to %q, want 302 to %s)", vt.number, err, code, to, bSIP)
	}
	caller, err = sip.NewPhone(ctx, sip.PhoneConfig{Server: bSIP, Username: "+33612345678"})
	must(t, err)
	call, err := caller.Dial(ctx, vt.number)
	if err != nil {
		t.Fatalf("call to %s at b: %v", vt.number, err)
	}

	// Over TCP the redirect keeps the transport.
	conn, err := net.Dial("tcp", aSIP)
	must(t, err)
	defer conn.Close()
	local := conn.LocalAddr().String()
	_, err = conn.Write([]byte(strings.Join([]string{"INVITE sip:" + vt.number + "@" + aSIP + ";transport=tcp SIP/2.0",
		"Via: SIP/2.0/TCP " + local + ";branch=z9hG4bK-tcp1", "From: <sip:+33612345678@127.0.0.1>;tag=tcp",
		"To: <sip:" + vt.number + "@127.0.0.1>", "Call-ID: tcp-redirect-1", "CSeq: 1 INVITE", "Contact: <sip:caller@" + local + ";transport=tcp>",
		"Max-Forwards: 70", "Content-Length: 0", "", ""}, "\r\n")))
	must(t, err)
	must(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	var res string
	r := bufio.NewReader(conn)
	for !strings.HasPrefix(res, "SIP/2.0 3") {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("TCP INVITE at a: %v after %q", err, res)
		}
		if strings.HasPrefix(line, "SIP/2.0 1") {
			continue
		}
		res = line
	}
	for {
		line, err := r.ReadString('\n')
		must(t, err)
		if h, v, _ := strings.Cut(strings.TrimSpace(line), ":"); strings.EqualFold(h, "Contact") {
			if want := "<sip:" + vt.number + "@" + bSIP + ";transport=tcp>"; strings.TrimSpace(v) != want {
				t.Fatalf("TCP redirect %q: Contact %q, want %q", res, v, want)
			}
			break
		}
	}

	// The agent's phone: a wrong password at a is challenged, not
	// redirected; the right one is redirected to b and registers there.
	wrong, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: aSIP, Username: vt.sip, Password: "wrong"})
	must(t, err)
	if err := wrong.Register(ctx, time.Hour); func() bool { code, _ := sip.Refused(err); return code != 401 }() {
		t.Fatalf("register with a wrong password at a: %v, want 401", err)
	}
	phone, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: aSIP, Username: vt.sip, Password: sipTestPass})
	must(t, err)
	err = phone.Register(ctx, time.Hour)
	if code, to, ok := sip.Redirected(err); !ok || code != 302 || to != bSIP {
		t.Fatalf("register at a: %v (redirect %d to %q, want 302 to %s)", err, code, to, bSIP)
	}
	phone, err = sip.NewPhone(ctx, sip.PhoneConfig{Server: bSIP, Username: vt.sip, Password: sipTestPass})
	must(t, err)
	rung := make(chan *sip.PhoneCall, 1)
	phone.Answer(func(c *sip.PhoneCall) { rung <- c })
	must(t, phone.Register(ctx, time.Hour))

	// The desk, on a (relayed to b), goes ready: the phone rings, answers.
	desk, _, err := websocket.Dial(ctx, fmt.Sprintf("ws://%s/agent/ws?tenant=%d", a.Addr(), vt.id), nil)
	must(t, err)
	defer desk.CloseNow()
	send := func(v any) {
		b, _ := json.Marshal(v)
		must(t, desk.Write(ctx, websocket.MessageText, b))
	}
	expect := func(typ string) map[string]any {
		t.Helper()
		for {
			_, b, err := desk.Read(ctx)
			if err != nil {
				t.Fatalf("desk: waiting for %s: %v", typ, err)
			}
			var f map[string]any
			must(t, json.Unmarshal(b, &f))
			if f["type"] == typ {
				return f
			}
		}
	}
	send(map[string]any{"type": "login", "login": vt.login, "password": "correct horse battery"})
	expect("logged_in")
	send(map[string]any{"type": "state", "state": "ready"})
	id := int64(expect("offer")["contact_id"].(float64))
	var agentCall *sip.PhoneCall
	select {
	case agentCall = <-rung:
	case <-ctx.Done():
		t.Fatal("the agent's phone did not ring")
	}
	expect("connected")

	// A second caller, at b, asks to be called back (1, then 1 to
	// confirm the calling number): the place is kept, the caller hung up.
	caller2, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: bSIP, Username: "+33687654321"})
	must(t, err)
	call2, err := caller2.Dial(ctx, vt.number)
	must(t, err)
	must(t, call2.SendDigit(ctx, '1'))
	time.Sleep(300 * time.Millisecond)
	must(t, call2.SendDigit(ctx, '1'))
	select {
	case <-call2.Ended():
	case <-ctx.Done():
		t.Fatal("the caller asking for a callback was not hung up")
	}
	var cbID int64
	waitFor(t, "the callback stored", func() bool {
		open, err := st.ListOpenInteractions(ctx)
		if err != nil {
			return false
		}
		for _, in := range open {
			if in.TenantID == vt.id && in.State == model.StateCallback {
				cbID = in.ID
			}
		}
		return cbID != 0
	})

	// c joins and wins the tenant: b hangs the call up, c closes it.
	c, _ := startSIPNode(t, fx, "c", gateway)
	for what, ended := range map[string]<-chan struct{}{"caller": call.Ended(), "agent's phone": agentCall.Ended()} {
		select {
		case <-ended:
		case <-ctx.Done():
			t.Fatalf("the %s got no BYE when the tenant moved", what)
		}
	}
	waitFor(t, "c restored the tenant and closed the call", func() bool {
		in, err := st.GetInteraction(ctx, vt.id, id)
		return c.cluster.center(vt.id) != nil && err == nil && in.State == model.StateEnded
	})
	in, err := st.GetInteraction(ctx, vt.id, id)
	must(t, err)
	if in.EndedReason != model.EndFailed || in.AnsweredAt == nil {
		t.Fatalf("the bridged call after the move: %+v, want ended failed and answered", in)
	}
	segs, err := st.ListSegments(ctx, vt.id, id)
	must(t, err)
	if slices.ContainsFunc(segs, func(s model.Segment) bool { return s.EndedAt == nil || s.Kind == model.SegAbandoned }) {
		t.Fatalf("segments of the closed call: %+v", segs)
	}

	// c carries the callback on: the agent's phone registers with it
	// (through a, redirected), the desk signs in again, the callback is
	// offered, the phone answers and c calls the customer.
	cSIP := c.SIP.Addr().String()
	waitFor(t, "a knows c owns the tenant", func() bool {
		return sipOwnerIn(a.cluster.mgr.LastStatus(), vt.id, "a", time.Now(), time.Hour) == cSIP
	})
	phone, err = sip.NewPhone(ctx, sip.PhoneConfig{Server: aSIP, Username: vt.sip, Password: sipTestPass})
	must(t, err)
	if code, to, ok := sip.Redirected(phone.Register(ctx, time.Hour)); !ok || code != 302 || to != cSIP {
		t.Fatalf("register at a after the move: redirect %d to %q, want 302 to %s", code, to, cSIP)
	}
	phone, err = sip.NewPhone(ctx, sip.PhoneConfig{Server: cSIP, Username: vt.sip, Password: sipTestPass})
	must(t, err)
	phone.Answer(func(c *sip.PhoneCall) { rung <- c })
	must(t, phone.Register(ctx, time.Hour))
	desk.CloseNow()
	desk, _, err = websocket.Dial(ctx, fmt.Sprintf("ws://%s/agent/ws?tenant=%d", a.Addr(), vt.id), nil)
	must(t, err)
	defer desk.CloseNow()
	send(map[string]any{"type": "login", "login": vt.login, "password": "correct horse battery"})
	expect("logged_in")
	send(map[string]any{"type": "state", "state": "ready"})
	if got := int64(expect("offer")["contact_id"].(float64)); got != cbID {
		t.Fatalf("offered %d after the move, want the callback %d", got, cbID)
	}
	select {
	case <-rung:
	case <-ctx.Done():
		t.Fatal("the agent's phone did not ring for the callback")
	}
	select {
	case <-gwRung:
	case <-ctx.Done():
		t.Fatal("the new owner did not place the callback")
	}
	expect("connected")

	// The next call, sent to a, is redirected to c and answered there.
	next, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: aSIP, Username: "+33611111111"})
	must(t, err)
	_, err = next.Dial(ctx, vt.number)
	if code, to, ok := sip.Redirected(err); !ok || code != 302 || to != cSIP {
		t.Fatalf("call at a after the move: %v (redirect %d to %q, want 302 to %s)", err, code, to, cSIP)
	}
	next, err = sip.NewPhone(ctx, sip.PhoneConfig{Server: cSIP, Username: "+33611111111"})
	must(t, err)
	call3, err := next.Dial(ctx, vt.number)
	if err != nil {
		t.Fatalf("call at c: %v", err)
	}
	must(t, call3.Hangup(ctx))
}

// TestSIPAdvertise: the SIP address other nodes redirect to.
func TestSIPAdvertise(t *testing.T) {
	cfg := Defaults()
	if a, err := sipAdvertise(cfg, netip.MustParseAddrPort("10.0.0.5:5060")); err != nil || a != "10.0.0.5:5060" {
		t.Errorf("bound to an address: %q %v", a, err)
	}
	if _, err := sipAdvertise(cfg, netip.MustParseAddrPort("0.0.0.0:5060")); err == nil {
		t.Error("bound to every address without rtp_host nor sip_advertise: no error")
	}
	cfg.SIP.RTPHost = "192.0.2.7"
	if a, err := sipAdvertise(cfg, netip.MustParseAddrPort("0.0.0.0:5062")); err != nil || a != "192.0.2.7:5062" {
		t.Errorf("bound to every address, rtp_host set: %q %v", a, err)
	}
	cfg.Cluster.SIPAdvertise = "sip1.example.net:5060"
	if a, err := sipAdvertise(cfg, netip.MustParseAddrPort("0.0.0.0:5062")); err != nil || a != "sip1.example.net:5060" {
		t.Errorf("sip_advertise: %q %v", a, err)
	}
}

// TestSIPOwnerSilentNode: a call is redirected to the node holding the
// tenant's lease while its registry entry is fresh; once it missed two
// renewals (dead, its lease not yet aged out) there is no owner to send
// the call to: 503 rather than a redirect into silence.
func TestSIPOwnerSilentNode(t *testing.T) {
	now := time.Now()
	st := cluster.Status{
		Nodes:  []cluster.NodeInfo{{Node: "a", SIP: "10.0.0.1:5060", SeenAt: now}, {Node: "b", SIP: "10.0.0.2:5060", SeenAt: now.Add(-7 * time.Second)}},
		Leases: []cluster.LeaseInfo{{TenantID: 1, Node: "a"}, {TenantID: 2, Node: "b"}, {TenantID: 3, Node: "c"}},
	}
	silent := 2 * 10 * time.Second / 3
	for tenant, want := range map[int64]string{1: "10.0.0.1:5060", 2: "", 3: "", 4: ""} {
		if got := sipOwnerIn(st, tenant, "z", now, silent); got != want {
			t.Errorf("tenant %d: owner %q, want %q", tenant, got, want)
		}
	}
	if got := sipOwnerIn(st, 1, "a", now, silent); got != "" {
		t.Errorf("the node's own tenant: owner %q, want none", got)
	}
	if got := sipOwnerIn(st, 2, "z", now, 8*time.Second); got != "10.0.0.2:5060" {
		t.Errorf("b within a longer silence: %q", got)
	}
}

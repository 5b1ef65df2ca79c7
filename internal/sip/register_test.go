package sip

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// rawRegistrar sends hand-written REGISTERs from one UDP socket.
type rawRegistrar struct {
	t      *testing.T
	conn   net.Conn
	server string
	seq    int
}

func newRawRegistrar(t *testing.T, w *world) *rawRegistrar {
	conn, err := net.Dial("udp", w.srv.Addr().String())
	must(t, err, "udp")
	t.Cleanup(func() { conn.Close() })
	return &rawRegistrar{t: t, conn: conn, server: w.srv.Addr().String()}
}

// register sends a REGISTER with contact and the Authorization value auth
// ("" for none) and returns the status line and the nonce challenged.
func (r *rawRegistrar) register(contact, auth string) (status, nonce string) {
	r.t.Helper()
	r.seq++
	local := r.conn.LocalAddr().String()
	msg := fmt.Sprintf("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-raw%d\r\nMax-Forwards: 70\r\n"+
		"From: <sip:%s@%s>;tag=raw\r\nTo: <sip:%s@%s>\r\nCall-ID: raw-register\r\nCSeq: %d REGISTER\r\n"+
		"Contact: <sip:%s@%s>\r\nExpires: 3600\r\n", r.server, local, r.seq, sipUser, r.server, sipUser, r.server, r.seq, contact, local)
	if auth != "" {
		msg += "Authorization: " + auth + "\r\n"
	}
	msg += "Content-Length: 0\r\n\r\n"
	_, err := r.conn.Write([]byte(msg))
	must(r.t, err, "write REGISTER")
	buf := make([]byte, 4000)
	must(r.t, r.conn.SetReadDeadline(time.Now().Add(5*time.Second)), "deadline")
	n, err := r.conn.Read(buf)
	must(r.t, err, "read response")
	res := string(buf[:n])
	status, _, _ = strings.Cut(res, "\r\n")
	if m := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(res); m != nil {
		nonce = m[1]
	}
	return status, nonce
}

// auth computes the Authorization for nonce, nc and the digest uri.
func (r *rawRegistrar) auth(nonce, nc, uri string) string {
	ha1, _ := store.DigestHA1(sipUser, DefaultRealm, sipPass)
	c := credentials{Username: sipUser, Realm: DefaultRealm, Nonce: nonce, URI: uri, QOP: "auth", NC: nc, CNonce: "c0ffee", Algorithm: "MD5"}
	c.Response = digestResponse(c, ha1, "REGISTER")
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"`,
		c.Username, c.Realm, c.Nonce, c.URI, c.Response, c.NC, c.CNonce)
}

// TestRegisterReplayAndURIMismatchRefused: a captured REGISTER replayed
// from the same address (to swap the Contact) is challenged again; a
// digest computed for another URI than the Request-URI is refused.
func TestRegisterReplayAndURIMismatchRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	r := newRawRegistrar(t, w)
	uri := "sip:" + r.server
	status, nonce := r.register("phone", "")
	if !strings.HasPrefix(status, "SIP/2.0 401") || nonce == "" {
		t.Fatalf("first REGISTER: %q nonce %q", status, nonce)
	}
	captured := r.auth(nonce, "00000001", uri)
	if status, _ := r.register("phone", captured); !strings.HasPrefix(status, "SIP/2.0 200") {
		t.Fatalf("authenticated REGISTER: %q", status)
	}
	b, ok := w.srv.reg.lookup(w.agent, time.Now())
	if !ok || b.contact.User != "phone" {
		t.Fatalf("binding %+v %v", b, ok)
	}
	// The same Authorization again, with the attacker's Contact.
	if status, _ := r.register("attacker", captured); !strings.HasPrefix(status, "SIP/2.0 401") {
		t.Fatalf("replayed REGISTER: %q", status)
	}
	if b, _ := w.srv.reg.lookup(w.agent, time.Now()); b.contact.User != "phone" {
		t.Fatalf("a replay moved the binding to %s", b.contact.String())
	}
	// The phone's next count with the same nonce is fine.
	if status, _ := r.register("phone", r.auth(nonce, "00000002", uri)); !strings.HasPrefix(status, "SIP/2.0 200") {
		t.Fatalf("next nonce count: %q", status)
	}
	// A response computed for another URI.
	_, nonce = r.register("phone", "")
	if status, _ := r.register("attacker", r.auth(nonce, "00000001", "sip:elsewhere.example.com")); !strings.HasPrefix(status, "SIP/2.0 400") {
		t.Fatalf("digest uri mismatch: %q", status)
	}
	if b, _ := w.srv.reg.lookup(w.agent, time.Now()); b.contact.User != "phone" {
		t.Fatalf("a mismatched uri moved the binding to %s", b.contact.String())
	}
}

// TestRevokedAccountNotRung: a phone registered with credentials that were
// changed or deleted through the API since is not rung (the call is
// declined for the agent and keeps its place).
func TestRevokedAccountNotRung(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	rang := make(chan struct{}, 4)
	oldPhone := w.phone(sipUser, sipPass)
	oldPhone.Answer(func(*PhoneCall) { rang <- struct{}{} })
	must(t, oldPhone.Register(ctx, time.Hour), "register")
	// The password changes: the phone's binding is stale.
	must(t, w.st.SetSIPAccount(ctx, w.tenant, w.agent, sipUser, DefaultRealm, "a-new-secret-2"), "new password")
	d := w.desk()
	d.send(map[string]any{"type": "state", "state": "ready"})
	caller := w.phone(testCaller, "")
	_, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	d.expect("offer", nil)
	d.expect("offer_withdrawn", func(f map[string]any) bool { return f["reason"] == "declined" })
	if _, ok := w.srv.reg.lookup(w.agent, time.Now()); ok {
		t.Fatal("the stale binding was kept")
	}
	// Registered with the new password, then the account is deleted.
	newPhone := w.phone(sipUser, "a-new-secret-2")
	newPhone.Answer(func(*PhoneCall) { rang <- struct{}{} })
	must(t, newPhone.Register(ctx, time.Hour), "register with the new password")
	must(t, w.st.DeleteSIPAccount(ctx, w.tenant, w.agent), "delete account")
	d.send(map[string]any{"type": "state", "state": "ready"})
	d.expect("offer", nil)
	d.expect("offer_withdrawn", func(f map[string]any) bool { return f["reason"] == "declined" })
	select {
	case <-rang:
		t.Fatal("a revoked phone was rung")
	default:
	}
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open")
	if len(ins) != 1 || ins[0].State != model.StateQueued {
		t.Fatalf("the call did not keep its place: %+v", ins)
	}
}

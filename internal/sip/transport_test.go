package sip

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
)

// rawUDP is a bare SIP client socket: it sends what it is given and reads
// the responses.
type rawUDP struct {
	t    *testing.T
	conn net.Conn
	n    int
}

func (w *world) rawUDP() *rawUDP {
	w.t.Helper()
	conn, err := net.Dial("udp", w.srv.Addr().String())
	must(w.t, err, "udp")
	w.t.Cleanup(func() { conn.Close() })
	return &rawUDP{t: w.t, conn: conn}
}

// request builds a request from method (and the method of its CSeq),
// extra header lines and a body; the Content-Length is the body's unless
// length is given (>= 0).
func (r *rawUDP) request(startLine, cseqMethod string, extra []string, body string, length int) string {
	r.n++
	local := r.conn.LocalAddr().String()
	if length < 0 {
		length = len(body)
	}
	h := []string{startLine,
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK-raw" + strconv.Itoa(r.n) + strconv.FormatInt(time.Now().UnixNano(), 36) + ";rport",
		"From: <sip:" + testCaller + "@127.0.0.1>;tag=raw" + strconv.Itoa(r.n),
		"To: <sip:1000@127.0.0.1>",
		"Call-ID: raw-" + strconv.Itoa(r.n) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		"CSeq: 1 " + cseqMethod,
		"Contact: <sip:" + testCaller + "@" + local + ">",
		"Max-Forwards: 70"}
	h = append(h, extra...)
	h = append(h, "Content-Length: "+strconv.Itoa(length), "", body)
	return strings.Join(h, "\r\n")
}

// final sends msg and returns the first final response's status line.
func (r *rawUDP) final(msg string) string {
	r.t.Helper()
	_, err := r.conn.Write([]byte(msg))
	must(r.t, err, "udp write")
	buf := make([]byte, 65536)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.conn.SetReadDeadline(deadline)
		n, err := r.conn.Read(buf)
		if err != nil {
			return "no answer: " + err.Error()
		}
		line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		if strings.HasPrefix(line, "SIP/2.0 1") {
			continue
		}
		return line
	}
}

// An INVITE that crossed proxies (8 Record-Route headers, echoed in the
// 200 OK) is answered over UDP, though the 200 OK is over 1,300 bytes.
func TestLargeUDPAnswerSent(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	r := w.rawUDP()
	rtp, err := media.Listen(w.ctx(), "127.0.0.1:0")
	must(t, err, "rtp")
	defer rtp.Close()
	offer, err := media.BuildOffer(media.OfferSpec{Addr: rtp.LocalAddr(), Laws: []media.Law{media.Alaw}, Event: 101, SessionID: 7})
	must(t, err, "offer")
	var rr []string
	for i := range 8 {
		rr = append(rr, fmt.Sprintf("Record-Route: <sip:proxy%d.carrier-with-a-long-name.example.net:5060;lr;transport=udp;ftag=abcdefgh%d>", i, i))
	}
	rr = append(rr, "Content-Type: application/sdp")
	inv := r.request("INVITE sip:1000@"+w.srv.Addr().String()+" SIP/2.0", "INVITE", rr, string(offer), -1)
	if got := r.final(inv); got != "SIP/2.0 200 OK" {
		t.Fatalf("INVITE with 8 Record-Route over UDP: %q, want 200 OK", got)
	}
}

// A call whose answer cannot be sent is never queued, and ends failed
// (a system cause), not abandoned.
func TestUnanswerableCallNeverQueued(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	rtp, err := media.Listen(ctx, "127.0.0.1:0")
	must(t, err, "rtp")
	defer rtp.Close()
	offer, err := media.BuildOffer(media.OfferSpec{Addr: rtp.LocalAddr(), Laws: []media.Law{media.Alaw}, Event: 101, SessionID: 7})
	must(t, err, "offer")
	// Over TCP, from a caller whose connection closes:
	conn, err := net.Dial("tcp", w.srv.Addr().String())
	must(t, err, "tcp")
	local := conn.LocalAddr().String()
	inv := strings.Join([]string{"INVITE sip:1000@" + w.srv.Addr().String() + ";transport=tcp SIP/2.0",
		"Via: SIP/2.0/TCP " + local + ";branch=z9hG4bK-gone1", "From: <sip:" + testCaller + "@127.0.0.1>;tag=gone",
		"To: <sip:1000@127.0.0.1>", "Call-ID: gone-1", "CSeq: 1 INVITE", "Contact: <sip:caller@" + local + ";transport=tcp>",
		"Max-Forwards: 70", "Content-Type: application/sdp", "Content-Length: " + strconv.Itoa(len(offer)), "", string(offer)}, "\r\n")
	_, err = conn.Write([]byte(inv))
	must(t, err, "write")
	// Gone once the INVITE is being handled (100 Trying): the answer has
	// nowhere to go.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	must(t, err, "read 100 Trying")
	if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 100") {
		t.Fatalf("got %q, want 100 Trying first", buf[:n])
	}
	conn.Close()
	var in model.Interaction
	eventually(t, "the call stored and ended", 10*time.Second, func() bool {
		var err error
		in, err = w.st.GetInteraction(ctx, w.tenant, 1) // the first of a new database
		return err == nil && in.State == model.StateEnded
	})
	if in.EndedReason != model.EndFailed {
		t.Errorf("a call that could not be answered ended %q, want %q", in.EndedReason, model.EndFailed)
	}
}

func TestConformanceAnswers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	r := w.rawUDP()
	uri := "sip:1000@" + w.srv.Addr().String()
	for _, c := range []struct {
		what, msg, want string
	}{
		{"another SIP version", r.request("OPTIONS "+uri+" SIP/3.0", "OPTIONS", nil, "", -1), "SIP/2.0 505"},
		{"CANCEL of no transaction", r.request("CANCEL "+uri+" SIP/2.0", "CANCEL", nil, "", -1), "SIP/2.0 481"},
		{"re-INVITE of no dialog", strings.Replace(r.request("INVITE "+uri+" SIP/2.0", "INVITE", nil, "", -1),
			"To: <sip:1000@127.0.0.1>", "To: <sip:1000@127.0.0.1>;tag=nodialog", 1), "SIP/2.0 481"},
		{"unknown method", r.request("FROBNICATE "+uri+" SIP/2.0", "FROBNICATE", nil, "", -1), "SIP/2.0 501"},
		{"known method not served", r.request("SUBSCRIBE "+uri+" SIP/2.0", "SUBSCRIBE", nil, "", -1), "SIP/2.0 405"},
		{"CSeq of another method", r.request("OPTIONS "+uri+" SIP/2.0", "INVITE", nil, "", -1), "SIP/2.0 400"},
		{"datagram shorter than its Content-Length", r.request("OPTIONS "+uri+" SIP/2.0", "OPTIONS",
			[]string{"Content-Type: text/plain"}, "0123456789", 100), "SIP/2.0 400"},
		{"a good OPTIONS", r.request("OPTIONS "+uri+" SIP/2.0", "OPTIONS", nil, "", -1), "SIP/2.0 200"},
	} {
		if got := r.final(c.msg); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %s", c.what, got, c.want)
		}
	}
}

// A TCP connection that sends half a message, or nothing, is closed after
// the read timeout; one between whole messages stays open.
func TestStreamReadTimeout(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{readTimeout: 300 * time.Millisecond})
	dial := func() net.Conn {
		c, err := net.Dial("tcp", w.srv.Addr().String())
		must(t, err, "tcp")
		t.Cleanup(func() { c.Close() })
		return c
	}
	closedWithin := func(c net.Conn, d time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(d))
		buf := make([]byte, 4096)
		for {
			_, err := c.Read(buf)
			if err == nil {
				continue
			}
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout())
		}
	}
	silent := dial()
	half := dial()
	_, err := half.Write([]byte("OPTIONS sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-h\r\n"))
	must(t, err, "half")
	whole := dial()
	local := whole.LocalAddr().String()
	opts := "OPTIONS sip:1000@127.0.0.1;transport=tcp SIP/2.0\r\nVia: SIP/2.0/TCP " + local + ";branch=z9hG4bK-w1\r\n" +
		"From: <sip:a@127.0.0.1>;tag=w\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: whole-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	_, err = whole.Write([]byte(opts))
	must(t, err, "whole")
	for what, c := range map[string]net.Conn{"silent": silent, "half-sent": half} {
		if !closedWithin(c, 3*time.Second) {
			t.Errorf("%s connection still open 3 s after a read timeout of 300 ms", what)
		}
	}
	if closedWithin(whole, time.Second) {
		t.Error("a connection between whole messages was closed by the read timeout")
	}
	if n := metricValue(t, w.reg, "plateau_sip_connections_timed_out_total", "transport", "tcp"); n < 2 {
		t.Errorf("plateau_sip_connections_timed_out_total{tcp} = %v, want 2", n)
	}
}

// Past the connections allowed from one address, new ones are closed at
// once; other addresses still connect.
func TestStreamConnectionsPerSource(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{perSource: 3})
	dialFrom := func(ip string) net.Conn {
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 0))}
		c, err := d.Dial("tcp", w.srv.Addr().String())
		must(t, err, "tcp from "+ip)
		t.Cleanup(func() { c.Close() })
		return c
	}
	open := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		return !errors.Is(err, io.EOF)
	}
	var conns []net.Conn
	for range 3 {
		conns = append(conns, dialFrom("127.0.0.1"))
	}
	fourth := dialFrom("127.0.0.1")
	if open(fourth) {
		t.Error("a 4th connection from one address was kept (max 3)")
	}
	if !open(dialFrom("127.0.0.2")) {
		t.Error("a connection from another address was closed")
	}
	for _, c := range conns {
		if !open(c) {
			t.Error("one of the first 3 connections was closed")
		}
	}
	if n := metricValue(t, w.reg, "plateau_sip_connections_refused_total", "transport", "tcp", "reason", "source"); n != 1 {
		t.Errorf("plateau_sip_connections_refused_total{tcp,source} = %v, want 1", n)
	}
}

// The TCP listener closed under the server (its socket gone) is bound
// again and served: logged, counted, and UDP never stopped.
func TestStreamListenerRestarted(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	options := func(network string) error {
		c, err := net.DialTimeout(network, w.srv.Addr().String(), time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		local := c.LocalAddr().String()
		msg := "OPTIONS sip:1000@" + w.srv.Addr().String() + ";transport=" + network + " SIP/2.0\r\nVia: SIP/2.0/" + strings.ToUpper(network) + " " + local +
			";branch=z9hG4bK-re" + strconv.FormatInt(time.Now().UnixNano(), 36) + "\r\nFrom: <sip:a@127.0.0.1>;tag=re\r\nTo: <sip:1000@127.0.0.1>\r\n" +
			"Call-ID: re-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
		if _, err := c.Write([]byte(msg)); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 2048)
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
			return fmt.Errorf("got %q", buf[:n])
		}
		return nil
	}
	must(t, options("tcp"), "OPTIONS over TCP before")
	w.srv.listener(&w.srv.tcpLn).(*guardedListener).Listener.Close() // the socket dies under sipgo
	eventually(t, "TCP served again", 5*time.Second, func() bool { return options("tcp") == nil })
	must(t, options("udp"), "OPTIONS over UDP")
	if n := metricValue(t, w.reg, "plateau_sip_listener_restarts_total", "transport", "tcp"); n != 1 {
		t.Errorf("plateau_sip_listener_restarts_total{tcp} = %v, want 1", n)
	}
}

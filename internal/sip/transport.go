package sip

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the stream (TCP, TLS) connection limits of Config.
const (
	DefaultReadTimeout       = 5 * time.Second
	DefaultIdleTimeout       = 15 * time.Minute
	DefaultMaxConns          = 4096
	DefaultMaxConnsPerSource = 128
	// maxHeaderBytes bounds the header section the framer follows; past it
	// the message never completes and the read timeout closes the
	// connection.
	maxHeaderBytes = 64 << 10
)

func init() {
	// sipgo refuses to write any UDP message over 1,300 bytes (RFC 3261
	// 18.1.1, which concerns the requests a client originates: they should
	// go over TCP). It applies it to responses too, so a caller whose
	// INVITE crossed several proxies (Record-Route) never got its 200 OK.
	// Responses go back on the transport of their request (18.2.2), and
	// Plateau's in-dialog requests follow the caller's route set on the
	// dialog's transport: the only limit left is the datagram's.
	sipmsg.UDPMTUSize = 65535 + 200
}

// guardedListener accepts SIP stream connections within caps (in all, and
// per source address), survives accept errors (running out of file
// descriptors: it backs off and goes on) and gives each connection its
// read and idle timeouts.
type guardedListener struct {
	net.Listener
	transport string
	log       *slog.Logger
	m         *metrics
	max, per  int
	read      time.Duration
	idle      time.Duration
	closed    chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	total int
	by    map[netip.Addr]int
}

func (s *Server) guard(ln net.Listener, transport string) *guardedListener {
	return &guardedListener{Listener: ln, transport: transport, log: s.log, m: s.metrics,
		max: s.cfg.MaxConns, per: s.cfg.MaxConnsPerSource, read: s.cfg.ReadTimeout, idle: s.cfg.IdleTimeout,
		closed: make(chan struct{}), by: map[netip.Addr]int{}}
}

func (l *guardedListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// Accept returns the next connection within the caps; it fails only once
// the listener is closed.
func (l *guardedListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			select {
			case <-l.closed:
				return nil, net.ErrClosed
			default:
			}
			// EMFILE, ENFILE, ECONNABORTED...: wait, then go on.
			l.m.acceptErrors.WithLabelValues(l.transport).Inc()
			if delay == 0 {
				delay = 5 * time.Millisecond
				l.log.Warn("sip: accept failed, backing off", "transport", l.transport, "err", err)
			} else {
				delay = min(2*delay, time.Second)
			}
			select {
			case <-time.After(delay):
			case <-l.closed:
				return nil, net.ErrClosed
			}
			continue
		}
		delay = 0
		src := remoteIP(c)
		if reason := l.admit(src); reason != "" {
			l.m.connsRefused.WithLabelValues(l.transport, reason).Inc()
			c.Close()
			continue
		}
		return &guardedConn{Conn: c, l: l, src: src, read: l.read, idle: l.idle}, nil
	}
}

// admit counts a new connection from src; it returns why it is refused
// ("max" or "source"), or "".
func (l *guardedListener) admit(src netip.Addr) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.total >= l.max:
		return "max"
	case l.by[src] >= l.per:
		return "source"
	}
	l.total++
	l.by[src]++
	l.m.conns.WithLabelValues(l.transport).Inc()
	return ""
}

func (l *guardedListener) release(src netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.by[src]--; l.by[src] <= 0 {
		delete(l.by, src)
	}
	l.m.conns.WithLabelValues(l.transport).Dec()
}

func remoteIP(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	return ap.Addr().Unmap()
}

// guardedConn is an accepted stream connection: a message must arrive
// whole within the read timeout of its first byte (and the first message
// within the read timeout of the connection), and a connection with no
// message for the idle timeout is closed.
type guardedConn struct {
	net.Conn
	l          *guardedListener
	src        netip.Addr
	read, idle time.Duration
	once       sync.Once
	mu         sync.Mutex // Read is sipgo's one reader; mu guards f against Close
	f          framer
}

func (c *guardedConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	wait := c.idle
	if c.f.inMessage() || !c.f.seen {
		wait = c.read
	}
	c.mu.Unlock()
	if err := c.Conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		c.f.feed(b[:n])
		c.mu.Unlock()
	}
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		c.l.m.connsTimedOut.WithLabelValues(c.l.transport).Inc()
		// Closed here, so that sipgo's reader sees the end of the
		// connection, not an error worth a log line.
		c.Close()
		return n, net.ErrClosed
	}
	return n, err
}

// SetReadDeadline is Read's own: sipgo's read timeout (none) does not
// replace it.
func (c *guardedConn) SetReadDeadline(time.Time) error { return nil }

func (c *guardedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.src) })
	return err
}

// framer follows the SIP messages of a stream (RFC 3261 18.3: headers up
// to an empty line, then Content-Length bytes of body) to tell whether a
// message is under way.
type framer struct {
	state   int // 0 between messages, 1 in the headers, 2 in the body
	line    []byte
	headers int
	length  int // Content-Length of the message in progress
	body    int // body bytes still to come
	seen    bool
}

func (f *framer) inMessage() bool { return f.state != 0 }

func (f *framer) feed(b []byte) {
	for len(b) > 0 {
		switch f.state {
		case 0:
			// CRLF keep-alives (RFC 5626) between messages.
			i := 0
			for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
				i++
			}
			b = b[i:]
			if len(b) > 0 {
				f.state, f.line, f.headers, f.length = 1, f.line[:0], 0, 0
			}
		case 1:
			i := bytes.IndexByte(b, '\n')
			chunk := b
			if i >= 0 {
				chunk = b[:i]
			}
			f.headers += len(chunk) + 1
			if f.headers > maxHeaderBytes {
				return // never completes: the read timeout closes the connection
			}
			if len(f.line) < 256 {
				f.line = append(f.line, chunk[:min(len(chunk), 256-len(f.line))]...)
			}
			if i < 0 {
				return
			}
			b = b[i+1:]
			line := strings.TrimRight(string(f.line), "\r")
			f.line = f.line[:0]
			if line == "" {
				f.state, f.body = 2, f.length
				if f.body == 0 {
					f.done()
				}
				continue
			}
			if name, value, ok := strings.Cut(line, ":"); ok {
				name = strings.ToLower(strings.TrimSpace(name))
				if name == "content-length" || name == "l" {
					if n, err := strconv.Atoi(strings.TrimSpace(value)); err == nil && n >= 0 {
						f.length = n
					}
				}
			}
		case 2:
			n := min(f.body, len(b))
			f.body -= n
			b = b[n:]
			if f.body == 0 {
				f.done()
			}
		}
	}
}

func (f *framer) done() {
	f.state = 0
	f.seen = true
}

// ---- conformance ----

// udpFilter answers 400 to a datagram shorter than its Content-Length
// (RFC 3261 18.3), which sipgo's parser would drop without a word.
func (s *Server) udpFilter(info sipmsg.TransportReadProps, data []byte) ([]byte, error) {
	if !strings.EqualFold(info.Transport, "udp") {
		return data, nil
	}
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 || bytes.HasPrefix(data, []byte("SIP/")) {
		return data, nil
	}
	body := len(data) - end - 4
	length := -1
	for _, line := range strings.Split(string(data[:end]), "\r\n") {
		if name, value, ok := strings.Cut(line, ":"); ok {
			if n := strings.ToLower(strings.TrimSpace(name)); n == "content-length" || n == "l" {
				length, _ = strconv.Atoi(strings.TrimSpace(value))
			}
		}
	}
	if length <= body {
		return data, nil
	}
	// Parsed without the body that is not there, to answer it.
	head := append(append([]byte(nil), data[:end+2]...), "Content-Length: 0\r\n\r\n"...)
	head = bytes.ReplaceAll(head, []byte("\r\nContent-Length: "+strconv.Itoa(length)+"\r\n"), []byte("\r\n"))
	head = bytes.ReplaceAll(head, []byte("\r\nl: "+strconv.Itoa(length)+"\r\n"), []byte("\r\n"))
	msg, err := sipmsg.NewParser().ParseSIP(head)
	req, ok := msg.(*sipmsg.Request)
	if err != nil || !ok || req.Via() == nil || req.CSeq() == nil || req.IsAck() {
		return nil, nil
	}
	res := sipmsg.NewResponseFromRequest(req, sipmsg.StatusBadRequest, "Body Shorter Than Content-Length", nil)
	if s.udpConn != nil && info.RemoteAddr != nil {
		_, _ = s.udpConn.WriteTo([]byte(res.String()), info.RemoteAddr)
		s.metrics.responses.WithLabelValues(string(req.Method), "400").Inc()
	}
	return nil, nil
}

// methods are the SIP methods of RFC 3261 and its extensions: the ones
// Plateau does not serve get 405, any other 501.
var knownMethods = map[sipmsg.RequestMethod]bool{"INVITE": true, "ACK": true, "BYE": true, "CANCEL": true, "OPTIONS": true,
	"REGISTER": true, "PRACK": true, "SUBSCRIBE": true, "NOTIFY": true, "PUBLISH": true, "INFO": true, "REFER": true,
	"MESSAGE": true, "UPDATE": true}

const allowMethods = "INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, REGISTER"

// checked wraps a handler with the checks every request passes: the SIP
// version (505) and a CSeq naming the request's method (400).
func (s *Server) checked(h func(*sipmsg.Request, sipmsg.ServerTransaction)) func(*sipmsg.Request, sipmsg.ServerTransaction) {
	return s.counted(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if req.IsAck() {
			h(req, tx) // never answered
			return
		}
		if !strings.EqualFold(req.SipVersion, "SIP/2.0") {
			res := sipmsg.NewResponseFromRequest(req, 505, "Version Not Supported", nil)
			res.SipVersion = "SIP/2.0"
			respond(tx, res)
			return
		}
		if cs := req.CSeq(); cs != nil && !strings.EqualFold(string(cs.MethodName), string(req.Method)) {
			reply(req, tx, sipmsg.StatusBadRequest, "CSeq Method Mismatch")
			return
		}
		h(req, tx)
	})
}

// onNoRoute answers the methods Plateau does not serve.
func (s *Server) onNoRoute(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if knownMethods[req.Method] {
		reply(req, tx, sipmsg.StatusMethodNotAllowed, "Method Not Allowed", sipmsg.NewHeader("Allow", allowMethods))
		return
	}
	reply(req, tx, sipmsg.StatusNotImplemented, "Not Implemented", sipmsg.NewHeader("Allow", allowMethods))
}

// onCancel answers a CANCEL that matched no INVITE transaction (the
// transaction layer answers the others and ends their INVITE).
func (s *Server) onCancel(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	reply(req, tx, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
}

// ---- listeners that restart ----

// keepServing runs serve until ctx is done; when it returns before, the
// stop is logged and counted, and serve runs again after a pause (after
// rebind, when given, made a new listener: the old one may be gone).
func (s *Server) keepServing(ctx context.Context, transport string, serve, rebind func() error) {
	delay := 10 * time.Millisecond
	for {
		err := serve()
		if ctx.Err() != nil {
			return
		}
		s.metrics.listenerRestarts.WithLabelValues(transport).Inc()
		s.log.Error("sip: listener stopped, restarting it", "transport", transport, "err", err)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			delay = min(2*delay, 5*time.Second)
			if rebind == nil {
				break
			}
			err := rebind()
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			s.log.Error("sip: listener not restarted yet", "transport", transport, "err", err)
		}
	}
}

// metricsTransport is the collectors of the transport's series.
func transportMetrics() (conns *prometheus.GaugeVec, refused, timedOut, acceptErrs, restarts *prometheus.CounterVec) {
	conns = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "plateau_sip_connections",
		Help: "SIP stream connections (TCP, TLS) accepted and open, by transport."}, []string{"transport"})
	refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_sip_connections_refused_total",
		Help: "SIP stream connections closed at once, by transport and reason (max: max_connections reached, source: max_connections_per_source)."},
		[]string{"transport", "reason"})
	timedOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_sip_connections_timed_out_total",
		Help: "SIP stream connections closed for a message not received whole within read_timeout, or for no message within idle_timeout."},
		[]string{"transport"})
	acceptErrs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_sip_accept_errors_total",
		Help: "Failed accepts of SIP stream connections (out of file descriptors...), after which the listener backs off and goes on."},
		[]string{"transport"})
	restarts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_sip_listener_restarts_total",
		Help: "SIP listeners that stopped and were started again, by transport."}, []string{"transport"})
	return
}

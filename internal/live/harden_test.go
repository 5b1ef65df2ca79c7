package live

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A new socket used to start over after three failures: the sign-in
// limits are now kept across sockets (and shared with the REST login), and
// every failure is logged.
func TestAgentSignInBruteForceAcrossSockets(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 2, 0)
	var logs syncBuffer
	l := startCenter(t, st, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range 12 {
		a := dial(t, l.wsURL("/agent/ws"), "attacker")
		a.send(frame{"type": "login", "login": agentLogin, "password": "wrong password"})
		f := a.expect("error")
		if c := f.str("code"); c != codeUnauthorized && c != codeRateLimited {
			t.Fatalf("try %d: %v", i, f)
		}
		a.conn.CloseNow()
	}
	a := dial(t, l.wsURL("/agent/ws"), "attacker")
	a.send(frame{"type": "login", "login": agentLogin, "password": agentPassword})
	f := a.expect("error")
	if f.str("code") != codeRateLimited || f.num("retry_after_seconds") < 1 {
		t.Fatalf("the right password after 12 wrong ones on new sockets: %v, want rate_limited with retry_after_seconds", f)
	}
	out := logs.String()
	if n := strings.Count(out, "audit: failed agent sign-in"); n < 10 {
		t.Errorf("%d failed agent sign-ins logged, want at least 10:\n%s", n, out)
	}
	if !strings.Contains(out, "login="+agentLogin) || !strings.Contains(out, "127.0.0.1") {
		t.Errorf("failures logged without login or address:\n%s", out)
	}
}

// rawWS opens a WebSocket by hand on a plain TCP connection, which never
// answers pings (nobody reads it as a WebSocket).
func rawWS(t *testing.T, l *live, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(l.srv.URL, "http://"))
	must(t, err, "dial")
	t.Cleanup(func() { conn.Close() })
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	must(t, err, "handshake")
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %s", resp.Status)
	}
	return conn
}

// closedWithin reports whether the server closed conn within d (reading,
// and so never answering its pings).
func closedWithin(conn net.Conn, d time.Duration) bool {
	conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	return err == nil || !errors.Is(err, os.ErrDeadlineExceeded)
}

// Sockets that never start anything, and peers that never answer pings
// (gone, or stuck in the middle of a frame), are closed.
func TestIdleWebSocketsAreClosed(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 2, 0)
	l := startCenter(t, st, Options{FirstFrameTimeout: 300 * time.Millisecond, PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	t.Run("never starts", func(t *testing.T) {
		for _, path := range []string{"/chat/" + entryAddress + "/ws", "/agent/ws"} {
			if !closedWithin(rawWS(t, l, path), 3*time.Second) {
				t.Errorf("%s: a socket that sent nothing is still open", path)
			}
		}
	})
	t.Run("never answers pings", func(t *testing.T) {
		conn := rawWS(t, l, "/chat/"+entryAddress+"/ws")
		conn.Write(maskedFrame(`{"type":"start","name":"Ada"}`))
		if !closedWithin(conn, 3*time.Second) {
			t.Error("a started chat whose peer never answers pings is still open")
		}
	})
	t.Run("half-sent frame", func(t *testing.T) {
		conn := rawWS(t, l, "/chat/"+entryAddress+"/ws")
		conn.Write(maskedFrame(`{"type":"start","name":"Ada"}`))
		f := maskedFrame(`{"type":"message","body":"` + strings.Repeat("x", 200) + `"}`)
		conn.Write(f[:20])
		if !closedWithin(conn, 3*time.Second) {
			t.Error("a socket stuck in the middle of a frame is still open")
		}
	})
	t.Run("a live client stays", func(t *testing.T) {
		// Pinged often, with time to answer even on a loaded machine.
		st := openSQLite(t, tempDB(t))
		seed(t, st, 2, 0)
		l := startCenter(t, st, Options{PingInterval: 100 * time.Millisecond, PingTimeout: 5 * time.Second})
		c, _ := startChat(t, l, "Grace", "grace@example.com")
		if f, err := c.read(time.Second); err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a client answering pings: %v %v", f, err)
		}
	})
}

// A text frame that is not UTF-8 closes the socket with 1007 (RFC 6455).
func TestInvalidUTF8Closes1007(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})
	c, _ := startChat(t, l, "Ada", "ada@example.com")
	c.raw("{\"type\":\"message\",\"body\":\"caf\xe9\"}")
	for {
		_, err := c.read(5 * time.Second)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != websocket.StatusInvalidFramePayloadData {
			t.Fatalf("closed with %v (%v), want 1007", got, err)
		}
		return
	}
}

// When the center stops, every socket (signed in or not) gets 1001.
func TestShutdownClosesWith1001(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})
	cust, _ := startChat(t, l, "Ada", "ada@example.com")
	agent := loginAgent(t, l)
	idle := dial(t, l.wsURL("/agent/ws"), "idle")
	// Let the idle socket's session register.
	time.Sleep(100 * time.Millisecond)
	l.cancel()
	for _, c := range []*client{cust, agent, idle} {
		for {
			_, err := c.read(5 * time.Second)
			if err == nil {
				continue
			}
			if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
				t.Errorf("%s: closed with %v (%v), want 1001", c.name, got, err)
			}
			break
		}
	}
}

// One address cannot flood a chat entry point: its starts per minute and
// its chats waiting at once are limited, refused with a message the widget
// shows; a waiting place comes back when a chat leaves.
func TestChatFloodFromOneAddress(t *testing.T) {
	t.Parallel()
	t.Run("waiting at once", func(t *testing.T) {
		t.Parallel()
		st := openSQLite(t, tempDB(t))
		seed(t, st, 2, 0)
		l := startCenter(t, st, Options{ChatWaitingPerAddress: 2})
		first, _ := startChat(t, l, "One", "one@example.com")
		startChat(t, l, "Two", "two@example.com")
		third := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "third")
		third.send(frame{"type": "start", "name": "Three"})
		f := third.expectError(codeRateLimited)
		if !strings.Contains(f.str("message"), "already waiting") || f.num("retry_after_seconds") < 1 {
			t.Errorf("refusal %v", f)
		}
		first.send(frame{"type": "leave"})
		first.expect("ended")
		eventually(t, "a place back", func() bool {
			third.send(frame{"type": "start", "name": "Three"})
			for {
				f, err := third.read(time.Second)
				if err != nil {
					return false
				}
				switch f.str("type") {
				case "queued":
					return true
				case "error":
					return false
				}
			}
		})
	})
	t.Run("starts per minute", func(t *testing.T) {
		t.Parallel()
		st := openSQLite(t, tempDB(t))
		seed(t, st, 2, 0)
		l := startCenter(t, st, Options{ChatStartsPerMinute: 3})
		for i := range 3 {
			c, _ := startChat(t, l, fmt.Sprintf("C%d", i), "")
			c.send(frame{"type": "leave"})
		}
		c := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "fourth")
		c.send(frame{"type": "start", "name": "Four"})
		f := c.expectError(codeRateLimited)
		if f.num("retry_after_seconds") < 1 {
			t.Errorf("refusal %v", f)
		}
		if m := l.metrics(t); !strings.Contains(m, `plateau_chats_refused_total{why="starts"} 1`) {
			t.Errorf("refusal not counted:\n%s", m)
		}
	})
}

// A dropped chat that never sent a message keeps its place a shorter time
// than one whose customer was writing.
func TestSilentChatKeepsItsPlaceShorter(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 2, 0)
	l := startCenter(t, st, Options{Grace: time.Minute, SilentGrace: 300 * time.Millisecond})
	silent, sq := startChat(t, l, "Silent", "")
	talker, tq := startChat(t, l, "Talker", "")
	talker.send(frame{"type": "message", "body": "hello?", "client_msg_id": "m1"})
	talker.expect("ack")
	silent.conn.CloseNow()
	talker.conn.CloseNow()
	ctx := testCtx(t)
	eventually(t, "the silent chat abandoned", func() bool {
		in, err := st.GetInteraction(ctx, fx.tenant, sq.num("contact_id"))
		return err == nil && in.State == model.StateEnded
	})
	in, err := st.GetInteraction(ctx, fx.tenant, tq.num("contact_id"))
	must(t, err, "talker")
	if in.State == model.StateEnded {
		t.Error("the chat in conversation lost its place as soon as the silent one")
	}
	if p := position(t, l.c, tq.num("contact_id")); p != 1 {
		t.Errorf("the talker is at %d, want 1", p)
	}
}

// A resume token opens its conversation only at the entry point it was
// given at, and no more once the conversation has been over for the
// resume grace.
func TestResumeTokenBoundAndExpiring(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 2, 0)
	ctx := testCtx(t)
	_, err := st.CreateEntryPoint(ctx, fx.tenant, model.EntryPoint{Kind: model.EntryChat, Address: "other", QueueID: fx.queue})
	must(t, err, "second entry point")
	l := startCenter(t, st, Options{ResumeGrace: 500 * time.Millisecond})
	cu, q := startChat(t, l, "Ada", "")
	token := q.str("resume_token")

	elsewhere := dial(t, l.wsURL("/chat/other/ws"), "elsewhere")
	elsewhere.send(frame{"type": "resume", "token": token})
	elsewhere.expectError(codeUnknownToken)

	cu.send(frame{"type": "leave"})
	cu.expect("ended")
	again := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "again")
	again.send(frame{"type": "resume", "token": token})
	again.expect("ended") // within the grace: the conversation, over
	time.Sleep(700 * time.Millisecond)
	late := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "late")
	late.send(frame{"type": "resume", "token": token})
	late.expectError(codeUnknownToken)
}

// Control characters in a chat frame are refused (PostgreSQL answered
// "unavailable", SQLite stored them).
func TestChatControlCharactersRefused(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})
	c := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "nul")
	c.raw(`{"type":"start","name":"Ada\u0000"}`)
	if f := c.expectError(codeInvalid); !strings.Contains(f.str("message"), "control characters") {
		t.Errorf("start: %v", f)
	}
	cu, _ := startChat(t, l, "Ada", "")
	cu.raw(`{"type":"message","body":"hi\u0000","client_msg_id":"m1"}`)
	cu.expectError(codeInvalid)
	cu.raw(`{"type":"message","body":"two\nlines","client_msg_id":"m2"}`)
	cu.expect("ack")
}

// An agent bot whose sign-in the server refuses for being busy signs in
// again after retry_after_seconds (the demo's bots all sign in at once).
func TestAgentBotRetriesABusySignIn(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 2, 0)
	guard := loginguard.New(loginguard.Options{Concurrent: 1, SlotWait: 50 * time.Millisecond})
	l := startCenter(t, st, Options{Logins: guard})
	// Another sign-in holds the only check slot for a while.
	release := make(chan struct{})
	held := make(chan struct{})
	go guard.Check(context.Background(), "192.0.2.9:1", "someone", func(context.Context) error {
		close(held)
		<-release
		return nil
	})
	<-held
	time.AfterFunc(300*time.Millisecond, func() { close(release) })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- RunAgentBot(ctx, l.wsURL("/agent/ws"), agentLogin, agentPassword, func() time.Duration { return time.Hour }, slog.New(slog.DiscardHandler))
	}()
	eventually(t, "the bot signed in and ready", func() bool {
		snap, err := l.c.Snapshot(testCtx(t), fx.tenant)
		return err == nil && len(snap.Agents) == 1 && snap.Agents[0].Online && snap.Agents[0].State == "ready"
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("bot: %v", err)
	}
}

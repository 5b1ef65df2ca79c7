package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// Limits of a WebSocket session (customer or agent).
const (
	// MaxBodyBytes bounds a chat message's body.
	MaxBodyBytes = 4 << 10
	// MaxFrameBytes bounds a client frame; a longer frame is refused with
	// an error frame and the session goes on.
	MaxFrameBytes = 16 << 10
	// hardReadLimit closes the connection (status 1009): nobody sends a
	// megabyte of chat by accident.
	hardReadLimit = 1 << 20
	// MessagesPerSecond is the sustained rate of chat messages a session
	// may send (token bucket of MessagesPerSecond tokens).
	MessagesPerSecond = 5
	// framesPerSecond bounds every kind of frame (flood protection).
	framesPerSecond = 20
	framesBurst     = 40
	outBuffer       = 256
	writeTimeout    = 10 * time.Second
)

// Error codes of {"type":"error"} frames.
const (
	codeBadFrame     = "bad_frame"
	codeTooLarge     = "too_large"
	codeRateLimited  = "rate_limited"
	codeBadState     = "bad_state"
	codeInvalid      = "invalid"
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeUnknownToken = "unknown_token"
	codeConflict     = "conflict"
	codeUnavailable  = "unavailable"
	codeReplaced     = "replaced"
)

// inFrame is any client frame; each type reads the fields it needs.
type inFrame struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Token       string `json:"token"`
	LastSeq     int64  `json:"last_seq"`
	Body        string `json:"body"`
	ClientMsgID string `json:"client_msg_id"`
	Phone       string `json:"phone"`
	WriteBack   bool   `json:"write_back"`
	Login       string `json:"login"`
	Password    string `json:"password"`
	State       string `json:"state"`
	Reason      string `json:"reason"`
	ContactID   int64  `json:"contact_id"`
	Disposition string `json:"disposition"`
	Notes       string `json:"notes"`
	Enabled     bool   `json:"enabled"`  // softphone
	SDP         string `json:"sdp"`      // rtc_answer
	QueueID     int64  `json:"queue_id"` // transfer
	AgentID     int64  `json:"agent_id"` // transfer
	Consult     bool   `json:"consult"`  // note
	Query       string `json:"query"`    // search
	On          bool   `json:"on"`       // hold
}

// errorFrame is {"type":"error"}.
type errorFrame struct {
	Type        string `json:"type"`
	Code        string `json:"code"`
	Message     string `json:"message,omitempty"`
	ContactID   int64  `json:"contact_id,omitempty"`
	ClientMsgID string `json:"client_msg_id,omitempty"`
	Field       string `json:"field,omitempty"` // code invalid: the field refused
	// RetryAfter is when to try again (rate_limited sign-ins and chats).
	RetryAfter int `json:"retry_after_seconds,omitempty"`
}

// frameError is a client mistake answered by an error frame; the session
// goes on.
type frameError struct {
	code, msg  string
	field      string // code invalid: the field refused, if known
	retryAfter int    // seconds, for rate_limited
}

// invalidErr answers a refused value, naming its field when err is a
// *model.ValidationError.
func invalidErr(err error) error {
	fe := &frameError{code: codeInvalid, msg: err.Error()}
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		fe.field = ve.Field
	}
	return fe
}

func (e *frameError) Error() string { return e.code + ": " + e.msg }

func badFrame(format string, args ...any) error {
	return &frameError{code: codeBadFrame, msg: fmt.Sprintf(format, args...)}
}

// bucket is a token bucket; it is used by one goroutine only.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newBucket(rate, burst float64) bucket { return bucket{rate: rate, burst: burst, tokens: burst} }

// allow takes a token if there is one at now.
func (b *bucket) allow(now time.Time) bool {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// session is one WebSocket connection. Frames to the client go through out,
// written by one goroutine; anyone (the owner goroutine, the reader) may
// send. A session whose client does not keep up is closed rather than
// allowed to hold the center back.
type session struct {
	kind   string
	remote string // the peer's address, host:port
	conn   *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	// The outbox grows with what is queued and costs nothing when empty
	// (most sessions are customers waiting quietly); a nil frame closes
	// normally after what precedes.
	outMu   sync.Mutex
	out     [][]byte
	writing bool // a writer goroutine runs (only while frames wait)
	// stored, when set, holds each batch of frames until the engine's
	// writes queued before it are committed: a client never hears of a
	// decision before it is stored.
	stored  *store.WriteQueue
	closing atomic.Bool
	log     *slog.Logger
	frames  bucket
	msgs    bucket
	// firstFrame closes the session unless established is called first,
	// firstFrameWait after it opened.
	firstFrame     *time.Timer
	firstFrameWait time.Duration
}

// established tells the session it started a chat, resumed one or signed
// an agent in: it is no longer closed for having started nothing.
func (s *session) established() {
	if s.firstFrame != nil {
		s.firstFrame.Stop()
	}
}

// starting stops the first-frame deadline while a start, resume or sign-in
// is handled (the store may be slow); done(false) gives the session its
// deadline again if that failed.
func (s *session) starting() (done func(ok bool)) {
	if s.firstFrame == nil || !s.firstFrame.Stop() {
		return func(bool) {}
	}
	return func(ok bool) {
		if !ok {
			s.firstFrame.Reset(s.firstFrameWait)
		}
	}
}

// closeWith closes the connection with a status and ends the session.
func (s *session) closeWith(code websocket.StatusCode, reason string) {
	if s.ctx.Err() != nil {
		return
	}
	s.closing.Store(true)
	s.conn.Close(code, reason)
	s.cancel()
}

// keepAlive pings the peer every interval while the session lasts and ends
// the session when a pong takes longer than timeout. It holds a timer, not
// a goroutine, between pings.
func (s *session) keepAlive(every, timeout time.Duration) {
	var mu sync.Mutex
	var t *time.Timer
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(every, func() {
		if s.ctx.Err() != nil {
			return
		}
		ctx, cancel := context.WithTimeout(s.ctx, timeout)
		err := s.conn.Ping(ctx)
		cancel()
		if err != nil {
			if s.ctx.Err() == nil {
				s.log.Debug("no pong, closing session", "err", err)
			}
			s.cancel()
			return
		}
		mu.Lock()
		t.Reset(every)
		mu.Unlock()
	})
	context.AfterFunc(s.ctx, func() {
		mu.Lock()
		t.Stop()
		mu.Unlock()
	})
}

func newSession(ctx context.Context, kind string, conn *websocket.Conn, log *slog.Logger) *session {
	ctx, cancel := context.WithCancel(ctx)
	conn.SetReadLimit(hardReadLimit)
	return &session{
		kind: kind, conn: conn, ctx: ctx, cancel: cancel, log: log,
		frames: newBucket(framesPerSecond, framesBurst),
		msgs:   newBucket(MessagesPerSecond, MessagesPerSecond),
	}
}

// send queues a frame for the client; it never blocks.
func (s *session) send(v any) {
	if s == nil || s.closing.Load() {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode frame", "err", err)
		return
	}
	if !s.enqueue(b) {
		s.log.Warn("client too slow, closing session")
		s.closing.Store(true)
		s.cancel()
	}
}

// enqueue adds a frame for the writer; false when outBuffer frames already wait.
func (s *session) enqueue(b []byte) bool {
	s.outMu.Lock()
	if len(s.out) >= outBuffer {
		s.outMu.Unlock()
		return false
	}
	s.out = append(s.out, b)
	start := !s.writing
	s.writing = true
	s.outMu.Unlock()
	if start {
		go s.writeLoop()
	}
	return true
}

func (s *session) sendError(code, msg string) {
	s.send(errorFrame{Type: "error", Code: code, Message: msg})
}

// finish closes the session normally once the frames sent so far are written.
func (s *session) finish() {
	if s == nil || s.closing.Swap(true) {
		return
	}
	if !s.enqueue(nil) {
		s.cancel()
	}
}

// writeLoop writes the queued frames, and returns when none is left: an
// idle session (a customer waiting quietly) has no writer goroutine.
func (s *session) writeLoop() {
	for {
		s.outMu.Lock()
		batch := s.out
		s.out = nil
		if len(batch) == 0 {
			s.writing = false
			s.outMu.Unlock()
			return
		}
		s.outMu.Unlock()
		if s.stored != nil {
			if wait := s.stored.Pending(); wait != nil {
				wait()
			}
		}
		for _, b := range batch {
			if s.ctx.Err() != nil {
				return
			}
			if b == nil {
				s.conn.Close(websocket.StatusNormalClosure, "")
				s.cancel()
				return
			}
			ctx, cancel := context.WithTimeout(s.ctx, writeTimeout)
			err := s.conn.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				s.log.Debug("write frame", "err", err)
				s.cancel()
				return
			}
		}
	}
}

// read reads the next client frame's bytes. A *frameError is the client's
// mistake (answer it and go on); any other error ends the session.
func (s *session) read() (websocket.MessageType, []byte, error) {
	typ, r, err := s.conn.Reader(s.ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("read frame: %w", err)
	}
	buf, err := io.ReadAll(io.LimitReader(r, MaxFrameBytes+1))
	if err != nil {
		return 0, nil, fmt.Errorf("read frame: %w", err)
	}
	if len(buf) > MaxFrameBytes {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return 0, nil, fmt.Errorf("skip oversized frame: %w", err)
		}
		return 0, nil, &frameError{code: codeTooLarge, msg: fmt.Sprintf("a frame is at most %d bytes", MaxFrameBytes)}
	}
	if typ == websocket.MessageText && !utf8.Valid(buf) {
		// RFC 6455 section 8.1: a text frame that is not UTF-8 fails the
		// connection with 1007.
		s.closeWith(websocket.StatusInvalidFramePayloadData, "text frames must be UTF-8")
		return 0, nil, errors.New("read frame: invalid UTF-8 in a text frame")
	}
	if !s.frames.allow(time.Now()) {
		return 0, nil, &frameError{code: codeRateLimited, msg: "too many frames"}
	}
	return typ, buf, nil
}

// decode parses a frame of the protocol.
func decode(typ websocket.MessageType, buf []byte) (inFrame, error) {
	var f inFrame
	if typ != websocket.MessageText {
		return f, badFrame("frames are JSON text")
	}
	if err := json.Unmarshal(buf, &f); err != nil {
		return f, badFrame("not a JSON object of the protocol: %v", err)
	}
	if f.Type == "" {
		return f, badFrame("missing type")
	}
	if err := model.CheckControl(f); err != nil {
		return f, &frameError{code: codeInvalid, msg: err.Error()}
	}
	return f, nil
}

// serve runs the read loop: each well-formed frame goes to handle, and a
// *frameError (from reading, decoding or handle) is answered with an error
// frame; other errors end the session.
//
// The loop only reads bytes: decoding, handling and answering run on a
// goroutine that ends with the frame. They may go deep (a chat's start is
// stored through database/sql and SQLite before the customer hears
// anything), and a goroutine keeps the stack it grew to until collections
// shrink it by halves: so the reading goroutine, which a waiting customer
// keeps for minutes, stays at its starting size.
func (s *session) serve(handle func(f inFrame) error) {
	done := make(chan error, 1)
	for {
		typ, buf, err := s.read()
		var fe *frameError
		if err != nil && !errors.As(err, &fe) {
			s.ended(err)
			return
		}
		go func() { done <- s.dispatch(typ, buf, err, handle) }()
		if err := <-done; err != nil {
			s.ended(err)
			return
		}
	}
}

// dispatch decodes and handles one frame, or answers the error of reading
// it; it returns the errors that end the session.
func (s *session) dispatch(typ websocket.MessageType, buf []byte, err error, handle func(f inFrame) error) error {
	var f inFrame
	if err == nil {
		f, err = decode(typ, buf)
	}
	if err == nil {
		err = handle(f)
	}
	var fe *frameError
	if errors.As(err, &fe) {
		s.send(errorFrame{Type: "error", Code: fe.code, Message: fe.msg, ContactID: f.ContactID, ClientMsgID: f.ClientMsgID, Field: fe.field, RetryAfter: fe.retryAfter})
		return nil
	}
	return err
}

// ended logs why a session ends, unless it simply closed.
func (s *session) ended(err error) {
	if s.ctx.Err() == nil && websocket.CloseStatus(err) == -1 && !errors.Is(err, io.EOF) {
		s.log.Debug("session ends", "err", err)
	}
}

// checkMessage checks a chat message frame and takes a token from the
// message bucket.
func (s *session) checkMessage(f inFrame) error {
	if f.Body == "" {
		return badFrame("message needs a body")
	}
	if len(f.Body) > MaxBodyBytes {
		return &frameError{code: codeTooLarge, msg: fmt.Sprintf("a message body is at most %d bytes", MaxBodyBytes)}
	}
	if len(f.ClientMsgID) > 128 {
		return badFrame("client_msg_id is at most 128 characters")
	}
	if !s.msgs.allow(time.Now()) {
		return &frameError{code: codeRateLimited, msg: fmt.Sprintf("at most %d messages per second", MessagesPerSecond)}
	}
	return nil
}

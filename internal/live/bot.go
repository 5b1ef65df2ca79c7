package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// RunAgentBot signs in as an agent over the real WebSocket at wsURL (the
// agent endpoint, ws://host/agent/ws), goes ready and handles every contact
// it is offered: it accepts, writes a greeting, ends the conversation after
// handle() and wraps up with the disposition "bot". It returns nil when ctx
// is done, and an error if signing in fails or the connection drops.
func RunAgentBot(ctx context.Context, wsURL, login, password string, handle func() time.Duration, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	conn, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		return fmt.Errorf("agent bot %s: dial: %w", login, err)
	}
	defer conn.CloseNow()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	send := func(v map[string]any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return conn.Write(ctx, websocket.MessageText, b)
	}
	if err := send(map[string]any{"type": "login", "login": login, "password": password}); err != nil {
		return fmt.Errorf("agent bot %s: %w", login, err)
	}
	ready := false
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("agent bot %s: read: %w", login, err)
		}
		var f struct {
			Type       string `json:"type"`
			Code       string `json:"code"`
			Message    string `json:"message"`
			RetryAfter int    `json:"retry_after_seconds"`
			ContactID  int64  `json:"contact_id"`
			State      string `json:"state"`
			Channel    string `json:"channel"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("agent bot %s: bad frame from server: %w", login, err)
		}
		switch f.Type {
		case "error":
			if !ready && (f.Code == codeUnauthorized || f.Code == codeForbidden) {
				return fmt.Errorf("agent bot %s: sign-in refused: %s", login, f.Message)
			}
			if !ready && f.Code == codeRateLimited {
				// The server is busy checking other sign-ins: try again.
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(time.Duration(max(f.RetryAfter, 1)) * time.Second):
				}
				err = send(map[string]any{"type": "login", "login": login, "password": password})
				break
			}
			logger.Debug("agent bot: server error", "login", login, "code", f.Code, "message", f.Message)
		case "logged_in":
			ready = true
			err = send(map[string]any{"type": "state", "state": "ready"})
		case "agent_state":
			// A declined or timed-out offer leaves the agent not ready.
			if ready && f.State == "not_ready" {
				err = send(map[string]any{"type": "state", "state": "ready"})
			}
		case "offer":
			if f.Channel == "voice" {
				break // a call is answered on the bot's phone (sip.RunPhoneBot)
			}
			err = send(map[string]any{"type": "accept", "contact_id": f.ContactID})
		case "connected":
			id, voice := f.ContactID, f.Channel == "voice"
			wg.Go(func() {
				msg := map[string]any{"type": "message", "contact_id": id, "body": "Bonjour, je m'occupe de votre demande.",
					"client_msg_id": "bot-" + strconv.FormatInt(id, 10)}
				if !voice { // on a call the bot's phone talks
					if err := send(msg); err != nil {
						return
					}
				}
				t := time.NewTimer(handle())
				defer t.Stop()
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				if err := send(map[string]any{"type": "end", "contact_id": id}); err != nil {
					logger.Debug("agent bot: end", "login", login, "err", err)
				}
			})
		case "ended":
			err = send(map[string]any{"type": "wrap_up", "contact_id": f.ContactID, "disposition": "bot"})
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return fmt.Errorf("agent bot %s: %w", login, err)
		}
	}
}

// ExponentialHandle returns handle times for RunAgentBot drawn from an
// exponential distribution of the given mean; it is safe for concurrent use
// by many bots.
func ExponentialHandle(mean time.Duration) func() time.Duration {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var mu sync.Mutex
	return func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Duration(r.ExpFloat64() * float64(mean))
	}
}

package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// MaxLoginAttackers bounds LoginsConfig.Concurrent: the tool is a probe
// of the server's own bounds on loopback, not a flood.
const MaxLoginAttackers = 1000

// LoginsConfig describes a sign-in attack: Concurrent peers each try
// Rounds wrong passwords at once, on distinct logins (so that only the
// bound on concurrent password checks, not the per-login limit, can stop
// them), over the REST login and then, with Socket, the agent WebSocket.
type LoginsConfig struct {
	BaseURL    string // http://host:port of the server (loopback)
	Concurrent int
	Rounds     int
	// Sources spreads the peers over 127.0.0.1..N (0: one address per
	// peer), so that the per-address limit does not stop them first.
	Sources int
	// Socket also attacks the agents' WebSocket sign-in.
	Socket bool
}

// LoginsPhase is what one phase (REST or socket) measured.
type LoginsPhase struct {
	Tries    int
	Checked  int // answered "wrong password": the check ran
	Refused  int // refused by a limit (429 or rate_limited) without a check
	Errors   int
	Latency  Percentiles
	RSSPeak  int64 // server resident memory, bytes, the most seen during the phase
	HeapPeak int64
}

// LoginsResult is what the attack measured.
type LoginsResult struct {
	RSSBefore int64
	REST      LoginsPhase
	Socket    LoginsPhase `json:",omitempty"`
}

// RunLogins runs the attack.
func RunLogins(ctx context.Context, cfg LoginsConfig) (LoginsResult, error) {
	var res LoginsResult
	if cfg.Concurrent <= 0 || cfg.Concurrent > MaxLoginAttackers || cfg.Rounds <= 0 {
		return res, fmt.Errorf("loadtest logins: concurrent between 1 and %d, rounds at least 1", MaxLoginAttackers)
	}
	base := strings.TrimSuffix(cfg.BaseURL, "/")
	sources := cfg.Sources
	if sources <= 0 {
		sources = cfg.Concurrent
	}
	dialers, err := sourceDialers(base, cfg.Concurrent, sources)
	if err != nil {
		return res, err
	}
	if len(dialers) == 1 && dialers[0] == nil {
		return res, errors.New("loadtest logins: the server must be on an IPv4 loopback address")
	}
	httpc := &http.Client{Timeout: 10 * time.Second}
	before, err := serverMemory(ctx, httpc, base)
	if err != nil {
		return res, err
	}
	res.RSSBefore = before.rss
	res.REST = attack(ctx, httpc, base, cfg, func(ctx context.Context, peer, round int) (string, error) {
		body, _ := json.Marshal(map[string]string{"login": fmt.Sprintf("attacker-%d-%d", peer, round), "password": "not the password"})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/login", bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := dialers[peer%len(dialers)].HTTPClient.Do(req)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			return "checked", nil
		case http.StatusTooManyRequests:
			return "refused", nil
		}
		return "", fmt.Errorf("login: status %d", resp.StatusCode)
	})
	if cfg.Socket {
		wsBase := "ws" + strings.TrimPrefix(base, "http")
		res.Socket = attack(ctx, httpc, base, cfg, func(ctx context.Context, peer, round int) (string, error) {
			conn, _, err := websocket.Dial(ctx, wsBase+"/agent/ws", dialers[peer%len(dialers)])
			if err != nil {
				return "", err
			}
			defer conn.CloseNow()
			frame, _ := json.Marshal(map[string]string{"type": "login", "login": fmt.Sprintf("attacker-%d-%d", peer, round), "password": "not the password"})
			if err := conn.Write(ctx, websocket.MessageText, frame); err != nil {
				return "", err
			}
			for {
				_, b, err := conn.Read(ctx)
				if err != nil {
					return "", err
				}
				var f struct{ Type, Code string }
				if json.Unmarshal(b, &f) != nil || f.Type != "error" {
					continue
				}
				switch f.Code {
				case "unauthorized":
					return "checked", nil
				case "rate_limited":
					return "refused", nil
				}
				return "", fmt.Errorf("sign-in: error %q", f.Code)
			}
		})
	}
	return res, nil
}

// attack runs try for every peer and round at once, reading the server's
// memory every 100 ms meanwhile.
func attack(ctx context.Context, httpc *http.Client, base string, cfg LoginsConfig, try func(ctx context.Context, peer, round int) (string, error)) LoginsPhase {
	var (
		ph               LoginsPhase
		mu               sync.Mutex
		lat              []time.Duration
		checked, refused atomic.Int64
		errs             atomic.Int64
		wg               sync.WaitGroup
	)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := serverMemory(watchCtx, httpc, base); err == nil {
				ph.RSSPeak, ph.HeapPeak = max(ph.RSSPeak, m.rss), max(ph.HeapPeak, m.heap)
			}
			select {
			case <-watchCtx.Done():
				return
			case <-t.C:
			}
		}
	}()
	for peer := range cfg.Concurrent {
		wg.Go(func() {
			for round := range cfg.Rounds {
				tryCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
				t0 := time.Now()
				out, err := try(tryCtx, peer, round)
				cancel()
				switch {
				case err != nil:
					errs.Add(1)
				case out == "checked":
					checked.Add(1)
				default:
					refused.Add(1)
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	stopWatch()
	<-watched
	ph.Tries = cfg.Concurrent * cfg.Rounds
	ph.Checked, ph.Refused, ph.Errors = int(checked.Load()), int(refused.Load()), int(errs.Load())
	ph.Latency = percentiles(lat)
	return ph
}

// Package loadtest drives a running Plateau server over its real network
// interfaces and measures it, beside a baseline measured in the same run.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/live"
)

// ChatConfig describes a chat load test.
type ChatConfig struct {
	// BaseURL is http://host:port of the server, or of several nodes of
	// a cluster separated by commas: the customers and the agent bots are
	// spread over them in turn (customer i on node i mod n), and the
	// result has each node's figures.
	BaseURL   string
	Entry     string  // chat entry point address
	Customers int     // customers connecting
	Rate      float64 // new customers per second
	// Agents bots are provisioned through the REST API (with AdminToken)
	// on the entry point's queue and answer over the agent WebSocket.
	Agents     int
	AdminToken string
	Handle     time.Duration // mean handle time of the bots
	// Hold keeps the customers connected after the last one arrived, then
	// they leave.
	Hold   time.Duration
	Logger *slog.Logger
	// EchoBaseline also measures a bare WebSocket echo server in this
	// process, at the same rate, for the same number of connections (at
	// most 2,000).
	EchoBaseline bool
	// Sources spreads the customers over source addresses 127.0.0.1,
	// 127.0.0.2, ... (a loopback server only): the server limits the chats
	// one address may start and keep waiting. 0 takes one address per
	// ChatsPerSource customers.
	Sources int
}

// ChatsPerSource is how many customers share a source address by default:
// within the server's default per-address limits (10 starts a minute, 5
// waiting at once per entry point).
const ChatsPerSource = 4

// sourceDialers returns the WebSocket dial options of each source address.
func sourceDialers(base string, customers, sources int) ([]*websocket.DialOptions, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("loadtest chat: url: %w", err)
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil || !ip.Is4() || !ip.IsLoopback() {
		if sources > 1 {
			return nil, errors.New("loadtest chat: --sources needs a server on an IPv4 loopback address")
		}
		return []*websocket.DialOptions{nil}, nil
	}
	if sources <= 0 {
		sources = (customers + ChatsPerSource - 1) / ChatsPerSource
	}
	sources = min(sources, 1<<16)
	out := make([]*websocket.DialOptions, sources)
	first := binary.BigEndian.Uint32([]byte{127, 0, 0, 1})
	for i := range out {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], first+uint32(i))
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IP(b[:])}, Timeout: 10 * time.Second}
		out[i] = &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}}
	}
	return out, nil
}

// Percentiles summarises latencies.
type Percentiles struct {
	N             int
	P50, P99, Max time.Duration
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return Percentiles{N: len(d), P50: at(0.50), P99: at(0.99), Max: d[len(d)-1]}
}

// Targets splits a BaseURL into its servers' addresses: one, or several
// separated by commas, each http(s)://host:port.
func Targets(base string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(base, ",") {
		t = strings.TrimSuffix(strings.TrimSpace(t), "/")
		u, err := url.Parse(t)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			return nil, fmt.Errorf("loadtest chat: --url %q: want http://host:port, or several separated by commas", t)
		}
		out = append(out, t)
	}
	return out, nil
}

// TargetResult is what one server of several (ChatConfig.BaseURL) saw.
type TargetResult struct {
	URL        string
	Customers  int // customers sent to it
	Queued     int
	Errors     int
	ToPosition Percentiles
}

// ChatResult is what a chat load test measured.
type ChatResult struct {
	Customers   int
	Queued      int     // customers who got their position
	Connected   int     // customers an agent answered
	Errors      int     // failed dials, refusals, dropped sockets
	FirstError  string  `json:",omitempty"`
	ArrivalRate float64 // achieved new customers per second
	PeakWaiting int     // waiting chats at the memory reading
	ToPosition  Percentiles
	ToConnected Percentiles
	// Targets has each server's share when BaseURL names several.
	Targets      []TargetResult `json:",omitempty"`
	RSSBefore    int64          // server resident memory, bytes (summed over the targets)
	RSSPeak      int64
	BytesPerChat float64 // (peak - before) / waiting
	HeapPerChat  float64 // Go heap in use, same
	Echo         Percentiles
	EchoRate     float64
}

// RunChat runs the test.
func RunChat(ctx context.Context, cfg ChatConfig) (ChatResult, error) {
	var res ChatResult
	if cfg.Customers <= 0 || cfg.Rate <= 0 {
		return res, errors.New("loadtest chat: customers and rate must be positive")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bases, err := Targets(cfg.BaseURL)
	if err != nil {
		return res, err
	}
	base := bases[0] // the REST API: any node answers it
	wsBases := make([]string, len(bases))
	for i, b := range bases {
		wsBases[i] = "ws" + strings.TrimPrefix(b, "http")
	}
	httpc := &http.Client{Timeout: 10 * time.Second}
	before, err := serversMemory(ctx, httpc, bases)
	if err != nil {
		return res, err
	}
	res.RSSBefore = before.rss

	botCtx, stopBots := context.WithCancel(ctx)
	defer stopBots()
	if cfg.Agents > 0 {
		bots, tenantID, err := provisionBots(ctx, httpc, base, cfg.AdminToken, cfg.Entry, cfg.Agents)
		if err != nil {
			return res, err
		}
		draw := live.ExponentialHandle(cfg.Handle)
		for i, b := range bots {
			// On a node that does not run the tenant, the socket names it
			// (the bot has no browser session there).
			agentURL := wsBases[i%len(wsBases)] + "/agent/ws"
			if len(bases) > 1 {
				agentURL += "?tenant=" + strconv.FormatInt(tenantID, 10)
			}
			go func() {
				if err := live.RunAgentBot(botCtx, agentURL, b.login, b.password, draw, logger); err != nil && botCtx.Err() == nil {
					logger.Warn("agent bot stopped", "login", b.login, "err", err)
				}
			}()
		}
		time.Sleep(500 * time.Millisecond) // let them sign in and go ready
	}

	type perTarget struct {
		toPos          []time.Duration // under mu
		queued, errors atomic.Int64
	}
	per := make([]perTarget, len(bases))
	var (
		mu          sync.Mutex
		toPos, toCo []time.Duration
		queued      atomic.Int64
		waiting     atomic.Int64
		connected   atomic.Int64
		errs        atomic.Int64
		firstErr    atomic.Value
		wg          sync.WaitGroup
	)
	failAt := func(target int, err error) {
		errs.Add(1)
		per[target].errors.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	custCtx, leaveAll := context.WithCancel(ctx)
	defer leaveAll()
	dialers := make([][]*websocket.DialOptions, len(bases))
	for i, b := range bases {
		if dialers[i], err = sourceDialers(b, cfg.Customers, cfg.Sources); err != nil {
			return res, err
		}
	}
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	start := time.Now()
	for i := 0; i < cfg.Customers; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return res, ctx.Err()
			}
		}
		wg.Add(1)
		target := i % len(bases)
		dialOpts := dialers[target][i%len(dialers[target])]
		fail := func(err error) { failAt(target, err) }
		go func() {
			defer wg.Done()
			t0 := time.Now()
			conn, _, err := websocket.Dial(custCtx, wsBases[target]+"/chat/"+cfg.Entry+"/ws", dialOpts)
			if err != nil {
				fail(fmt.Errorf("dial: %w", err))
				return
			}
			defer conn.CloseNow()
			conn.SetReadLimit(1 << 20)
			if err := conn.Write(custCtx, websocket.MessageText, []byte(`{"type":"start","name":"load test"}`)); err != nil {
				fail(fmt.Errorf("start: %w", err))
				return
			}
			isWaiting := false
			defer func() {
				if isWaiting {
					waiting.Add(-1)
				}
			}()
			for {
				_, b, err := conn.Read(custCtx)
				if err != nil {
					if custCtx.Err() == nil {
						fail(fmt.Errorf("read: %w", err))
					}
					return
				}
				var f struct {
					Type, Code, Message string
				}
				if json.Unmarshal(b, &f) != nil {
					fail(errors.New("bad frame from server"))
					return
				}
				switch f.Type {
				case "queued":
					d := time.Since(t0)
					mu.Lock()
					toPos = append(toPos, d)
					per[target].toPos = append(per[target].toPos, d)
					mu.Unlock()
					queued.Add(1)
					per[target].queued.Add(1)
					waiting.Add(1)
					isWaiting = true
				case "connected":
					d := time.Since(t0)
					mu.Lock()
					toCo = append(toCo, d)
					mu.Unlock()
					connected.Add(1)
					if isWaiting {
						waiting.Add(-1)
						isWaiting = false
					}
				case "ended":
					conn.Close(websocket.StatusNormalClosure, "")
					return
				case "error":
					fail(fmt.Errorf("server error %s: %s", f.Code, f.Message))
				}
			}
		}()
	}
	elapsed := time.Since(start)
	res.ArrivalRate = float64(cfg.Customers) / elapsed.Seconds()
	// Let the last ones get their position, then read the memory at the peak.
	deadline := time.Now().Add(10 * time.Second)
	for queued.Load()+errs.Load() < int64(cfg.Customers) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case <-time.After(cfg.Hold):
	case <-ctx.Done():
	}
	peak, err := serversMemory(ctx, httpc, bases)
	if err != nil {
		return res, err
	}
	res.PeakWaiting = int(waiting.Load())
	res.RSSPeak = peak.rss
	if res.PeakWaiting > 0 {
		res.BytesPerChat = float64(peak.rss-before.rss) / float64(res.PeakWaiting)
		res.HeapPerChat = float64(peak.heap-before.heap) / float64(res.PeakWaiting)
	}
	leaveAll()
	wg.Wait()
	stopBots()
	res.Customers = cfg.Customers
	res.Queued = int(queued.Load())
	res.Connected = int(connected.Load())
	res.Errors = int(errs.Load())
	if v, ok := firstErr.Load().(string); ok {
		res.FirstError = v
	}
	res.ToPosition = percentiles(toPos)
	res.ToConnected = percentiles(toCo)
	if len(bases) > 1 {
		for i, b := range bases {
			res.Targets = append(res.Targets, TargetResult{URL: b, Customers: cfg.Customers/len(bases) + boolInt(i < cfg.Customers%len(bases)),
				Queued: int(per[i].queued.Load()), Errors: int(per[i].errors.Load()), ToPosition: percentiles(per[i].toPos)})
		}
	}
	if cfg.EchoBaseline {
		res.Echo, res.EchoRate, err = echoBaseline(ctx, min(cfg.Customers, 2000), cfg.Rate)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

type memory struct{ rss, heap int64 }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// serversMemory is serverMemory summed over the servers.
func serversMemory(ctx context.Context, c *http.Client, bases []string) (memory, error) {
	var sum memory
	for _, b := range bases {
		m, err := serverMemory(ctx, c, b)
		if err != nil {
			return sum, fmt.Errorf("%s: %w", b, err)
		}
		sum.rss += m.rss
		sum.heap += m.heap
	}
	return sum, nil
}

// serverMemory reads the server's resident memory and Go heap from /metrics.
func serverMemory(ctx context.Context, c *http.Client, base string) (memory, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return memory{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return memory{}, fmt.Errorf("read server metrics: %w", err)
	}
	defer resp.Body.Close()
	var m memory
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for name, p := range map[string]*int64{"process_resident_memory_bytes ": &m.rss, "go_memstats_heap_inuse_bytes ": &m.heap} {
			if v, ok := strings.CutPrefix(line, name); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err == nil {
					*p = int64(f)
				}
			}
		}
	}
	if m.rss == 0 {
		return m, errors.New("read server metrics: no process_resident_memory_bytes")
	}
	return m, sc.Err()
}

type bot struct{ login, password string }

// provisionBots creates agents and users for bots through the REST API,
// in the tenant of the entry point (returned).
func provisionBots(ctx context.Context, c *http.Client, base, token, entry string, n int) ([]bot, int64, error) {
	if token == "" {
		return nil, 0, errors.New("loadtest chat: agents need --admin-token (plateau demo prints one)")
	}
	call := func(method, path string, in, out any) error {
		var body io.Reader
		if in != nil {
			b, err := json.Marshal(in)
			if err != nil {
				return err
			}
			body = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, body)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.Do(req)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
		}
		if out != nil {
			return json.Unmarshal(b, out)
		}
		return nil
	}
	var tenants []struct{ ID int64 }
	if err := call(http.MethodGet, "/api/v1/tenants", nil, &tenants); err != nil {
		return nil, 0, err
	}
	var tid, queueID int64
	for _, t := range tenants {
		var eps []struct {
			Address string
			QueueID int64 `json:"queue_id"`
		}
		if err := call(http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/entry-points", t.ID), nil, &eps); err != nil {
			return nil, 0, err
		}
		for _, e := range eps {
			if e.Address == entry {
				tid, queueID = t.ID, e.QueueID
			}
		}
	}
	if tid == 0 {
		return nil, 0, fmt.Errorf("loadtest chat: no chat entry point %q", entry)
	}
	var q struct {
		Skills []struct {
			SkillID int64 `json:"skill_id"`
		}
	}
	if err := call(http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/queues/%d", tid, queueID), nil, &q); err != nil {
		return nil, 0, err
	}
	var sites []struct{ ID int64 }
	if err := call(http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/sites", tid), nil, &sites); err != nil || len(sites) == 0 {
		return nil, 0, fmt.Errorf("loadtest chat: the tenant needs a site: %v", err)
	}
	type skill struct {
		SkillID int64 `json:"skill_id"`
		Level   int   `json:"level"`
	}
	var skills []skill
	for _, s := range q.Skills {
		skills = append(skills, skill{s.SkillID, 10})
	}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	var out []bot
	for i := 1; i <= n; i++ {
		var ag struct{ ID int64 }
		name := fmt.Sprintf("Load bot %s-%d", run, i)
		if err := call(http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/agents", tid), map[string]any{
			"name": name, "site_id": sites[0].ID, "skills": skills, "chat_capacity": 3,
		}, &ag); err != nil {
			return nil, 0, err
		}
		b := bot{login: fmt.Sprintf("loadbot-%s-%d", run, i), password: "load-" + run + "-pass"}
		if err := call(http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users", tid), map[string]any{
			"login": b.login, "display_name": name, "role": "agent", "agent_id": ag.ID, "password": b.password,
		}, nil); err != nil {
			return nil, 0, err
		}
		out = append(out, b)
	}
	return out, tid, nil
}

// echoBaseline measures a bare WebSocket server in this process: connect,
// send one frame, read one back, at the same rate.
func echoBaseline(ctx context.Context, n int, rate float64) (Percentiles, float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Percentiles{}, 0, fmt.Errorf("echo baseline: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, b, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, b); err != nil {
				return
			}
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()
	url := "ws://" + ln.Addr().String()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := 0; i < n; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			c, _, err := websocket.Dial(cctx, url, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			if c.Write(cctx, websocket.MessageText, []byte(`{"type":"start"}`)) != nil {
				return
			}
			if _, _, err := c.Read(cctx); err != nil {
				return
			}
			d := time.Since(t0)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
			<-cctx.Done()
		}()
	}
	achieved := float64(n) / time.Since(start).Seconds()
	time.Sleep(200 * time.Millisecond)
	cancel()
	wg.Wait()
	return percentiles(lat), achieved, nil
}

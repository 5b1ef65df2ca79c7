package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// frame is any server frame a customer receives.
type frame struct {
	Type        string `json:"type"`
	ContactID   int64  `json:"contact_id"`
	ResumeToken string `json:"resume_token"`
	Position    int    `json:"position"`
	Seq         int64  `json:"seq"`
	From        string `json:"from"`
	Body        string `json:"body"`
	ClientMsgID string `json:"client_msg_id"`
	Code        string `json:"code"`
	Message     string `json:"message"`
}

// customer is one web-chat customer with its socket.
type customer struct {
	conn   *websocket.Conn
	frames chan frame
	id     int64
	token  string
	pos    int
	acks   map[string]int64 // client_msg_id → seq
}

func dialCustomer(ctx context.Context, t *testing.T, url string, hello string) *customer {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, url, sourceFor(hello))
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c := &customer{conn: conn, frames: make(chan frame, 256), acks: map[string]int64{}}
	go func() {
		defer close(c.frames)
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var f frame
			if json.Unmarshal(b, &f) == nil {
				c.frames <- f
			}
		}
	}()
	if err := conn.Write(ctx, websocket.MessageText, []byte(hello)); err != nil {
		t.Fatalf("hello: %v", err)
	}
	return c
}

// sourceFor spreads customers over loopback addresses 127.0.x.y, one per
// first frame (a hash of it): the server limits the chats one address may
// start and keep waiting, and its connections.
func sourceFor(hello string) *websocket.DialOptions {
	h := fnv.New32a()
	h.Write([]byte(hello))
	n := 256 + h.Sum32()%65000
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(n>>8), byte(n))}}
	return &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}}
}

// sawConnected reads the frames already received and reports whether one
// of them said an agent answered.
func (c *customer) sawConnected() bool {
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return false
			}
			if f.Type == "connected" {
				return true
			}
		default:
			return false
		}
	}
}

// await returns the next frame of one of the types, failing after timeout.
func (c *customer) await(t *testing.T, timeout time.Duration, types ...string) frame {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				t.Fatalf("customer %d: socket closed while waiting for %v", c.id, types)
			}
			if f.Type == "error" {
				t.Fatalf("customer %d: error frame %s: %s", c.id, f.Code, f.Message)
			}
			if slices.Contains(types, f.Type) {
				return f
			}
		case <-deadline:
			t.Fatalf("customer %d: no %v within %v", c.id, types, timeout)
		}
	}
}

func (c *customer) say(ctx context.Context, t *testing.T, msgID, body string) int64 {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"type": "message", "client_msg_id": msgID, "body": body})
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("customer %d: send: %v", c.id, err)
	}
	for {
		f := c.await(t, 20*time.Second, "ack")
		if f.ClientMsgID == msgID {
			c.acks[msgID] = f.Seq
			return f.Seq
		}
	}
}

type storedMessage struct {
	Seq         int64  `json:"seq"`
	Sender      string `json:"sender"`
	ClientMsgID string `json:"client_msg_id"`
	Body        string `json:"body"`
}

type storedInteraction struct {
	ID        int64     `json:"id"`
	TenantID  int64     `json:"tenant_id"`
	ArrivedAt time.Time `json:"arrived_at"`
	State     string    `json:"state"`
}

// TestKillNineRestart: 500 chats waiting and 51 conversations live, the
// server is killed with SIGKILL and started again on the same data: every
// waiting chat is back in line in its original order with its arrival
// time, every conversation back with its agent, every stored message is
// there once, and customers resume with their token.
func TestKillNineRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Run("sqlite", func(t *testing.T) { killNineRestart(t, "--data", t.TempDir()) })
	t.Run("postgres", func(t *testing.T) { killNineRestart(t, "--db", postgresDSN(t)) })
}

func killNineRestart(t *testing.T, storage ...string) {
	const waitingN, liveN = 500, 51 // 17 bots × 3 chats
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// Bots' handle times are exponential: with a mean of an hour, one of
	// the 51 conversations ended within a slow run's minute about once in
	// six runs (and its customer's socket with it); 10,000 h makes that
	// about once in a thousand.
	srv := startDemo(t, append(storage, "--agent-bots", "17", "--bot-handle", "10000h")...)
	url := srv.ws("/chat/demo/ws")

	total := waitingN + liveN
	customers := make([]*customer, total)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range customers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := dialCustomer(ctx, t, url, fmt.Sprintf(`{"type":"start","name":"Client %d"}`, i))
			q := c.await(t, 30*time.Second, "queued")
			c.id, c.token, c.pos = q.ContactID, q.ResumeToken, q.Position
			customers[i] = c
		}()
	}
	wg.Wait()
	slices.SortFunc(customers, func(a, b *customer) int { return int(a.id - b.id) })

	// The first 51 to arrive are answered by the bots; each customer writes
	// twice and waits for the acknowledgements (stored).
	var live []*customer
	isLive := map[*customer]bool{}
	for len(live) < liveN {
		for _, c := range customers {
			if !isLive[c] && c.sawConnected() {
				isLive[c] = true
				live = append(live, c)
			}
		}
		if len(live) < liveN {
			if ctx.Err() != nil {
				t.Fatalf("only %d conversations started", len(live))
			}
			time.Sleep(100 * time.Millisecond) // the bots take the first ones
		}
	}
	for _, c := range live {
		c.say(ctx, t, fmt.Sprintf("c%d-1", c.id), "Bonjour, ma commande n'est pas arrivée.")
		c.say(ctx, t, fmt.Sprintf("c%d-2", c.id), "Numéro 4521.")
	}

	var tenants []struct{ ID int64 }
	srv.api(t, "/api/v1/tenants", &tenants)
	tid := tenants[0].ID
	before := map[int64]storedInteraction{}
	beforeMsgs := map[int64][]storedMessage{}
	for _, c := range customers {
		var in storedInteraction
		srv.api(t, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d", tid, c.id), &in)
		before[c.id] = in
	}
	for _, c := range live {
		var ms []storedMessage
		srv.api(t, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d/messages", tid, c.id), &ms)
		if len(ms) < 2 {
			t.Fatalf("contact %d: %d messages stored before the kill", c.id, len(ms))
		}
		beforeMsgs[c.id] = ms
	}

	srv.kill()
	for _, c := range customers {
		c.conn.CloseNow()
	}
	// The line's order is the order of arrival (then of id).
	slices.SortStableFunc(customers, func(a, b *customer) int {
		return before[a.id].ArrivedAt.Compare(before[b.id].ArrivedAt)
	})

	// Restart on the same data, without bots: nothing moves the line. The
	// conversations go back to their agents (who have the grace to sign in
	// again): their customers resume connected; the others wait again in
	// arrival order.
	srv2 := startDemo(t, storage...)
	url = srv2.ws("/chat/demo/ws")
	waiting := 0
	for i, c := range customers {
		r := dialCustomer(ctx, t, url, fmt.Sprintf(`{"type":"resume","token":%q}`, c.token))
		r.id, r.token = c.id, c.token
		if isLive[c] {
			r.await(t, 30*time.Second, "connected")
		} else {
			q := r.await(t, 30*time.Second, "queued")
			if q.ContactID != c.id {
				t.Fatalf("resumed contact %d as %d", c.id, q.ContactID)
			}
			if waiting++; q.Position != waiting {
				t.Errorf("contact %d (arrival rank %d among the waiting) resumed at position %d", c.id, waiting, q.Position)
			}
		}
		r.acks = c.acks
		customers[i] = r
	}
	for _, c := range customers {
		var in storedInteraction
		srv2.api(t, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d", tid, c.id), &in)
		if !in.ArrivedAt.Equal(before[c.id].ArrivedAt) {
			t.Errorf("contact %d: arrival %v became %v", c.id, before[c.id].ArrivedAt, in.ArrivedAt)
		}
	}
	for _, c := range live {
		var ms []storedMessage
		srv2.api(t, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d/messages", tid, c.id), &ms)
		if !slices.Equal(ms, beforeMsgs[c.id]) {
			t.Fatalf("contact %d: messages before the kill %+v, after %+v", c.id, beforeMsgs[c.id], ms)
		}
		for k, m := range ms {
			if m.Seq != int64(k+1) {
				t.Fatalf("contact %d: seqs %+v", c.id, ms)
			}
		}
	}
	// Customers continue: a retry of a stored message is not stored again,
	// a new one follows it.
	c := live[0]
	for _, r := range customers {
		if r.id == c.id {
			c = r
		}
	}
	old := fmt.Sprintf("c%d-2", c.id)
	if seq := c.say(ctx, t, old, "Numéro 4521."); seq != beforeMsgs[c.id][len(beforeMsgs[c.id])-1].Seq && seq != c.acks[old] {
		t.Errorf("retry of %s acknowledged as seq %d", old, seq)
	}
	next := c.say(ctx, t, fmt.Sprintf("c%d-3", c.id), "Toujours là ?")
	if want := int64(len(beforeMsgs[c.id]) + 1); next != want {
		t.Errorf("new message after restart has seq %d, want %d", next, want)
	}
}

package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func wantKeys(t *testing.T, what string, v any, want ...string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: %v is not an object", what, v)
	}
	slices.Sort(want)
	if got := keys(m); !slices.Equal(got, want) {
		t.Errorf("%s keys %v, want %v", what, got, want)
	}
	return m
}

// checkWallboard checks a wallboard body against the contract with the
// web interface (docs/ui-contract: field names and shapes).
func checkWallboard(t *testing.T, body []byte, f fixture) {
	t.Helper()
	var wb map[string]any
	if err := json.Unmarshal(body, &wb); err != nil {
		t.Fatalf("wallboard %s: %v", body, err)
	}
	wantKeys(t, "wallboard", wb, "at", "tenant_id", "time_zone", "sl_threshold_seconds", "queues", "agents", "intraday")
	if wb["tenant_id"] != float64(f.tenant.ID) {
		t.Errorf("tenant_id %v", wb["tenant_id"])
	}
	qs, _ := wb["queues"].([]any)
	if len(qs) != 1 {
		t.Fatalf("queues %v", wb["queues"])
	}
	q := wantKeys(t, "queue", qs[0], "queue_id", "name", "channel", "waiting", "callbacks", "longest_wait_seconds", "agents", "contacts", "today")
	if q["queue_id"] != float64(f.queue.ID) {
		t.Errorf("queue_id %v", q["queue_id"])
	}
	wantKeys(t, "queue agents", q["agents"], "ready", "busy", "wrap_up", "not_ready", "offered", "logged_out")
	// The figures themselves are tested in internal/live.
	today := wantKeys(t, "today", q["today"], "since", "offered", "answered", "abandoned", "short_abandoned", "service_level", "answer_rate", "asa_seconds", "sl_threshold_seconds")
	if today["sl_threshold_seconds"] != float64(f.queue.SLThresholdSeconds) {
		t.Errorf("today %v: want the queue's threshold", today)
	}
	ags, _ := wb["agents"].([]any)
	if len(ags) != 1 {
		t.Fatalf("agents %v", wb["agents"])
	}
	wantKeys(t, "agent", ags[0], "agent_id", "name", "state", "presence", "reason", "since", "online", "contacts", "today")
	iv, _ := wb["intraday"].([]any)
	if len(iv) == 0 {
		t.Fatalf("no intraday interval")
	}
	wantKeys(t, "interval", iv[0], "start", "offered", "answered", "abandoned", "service_level")
}

func TestWallboardAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	b := e.fixture("globex")
	e.goLive(a)
	tid := &a.tenant.ID
	path := fmt.Sprintf("/api/v1/tenants/%d/wallboard", a.tenant.ID)
	for _, c := range []cred{
		a.adminToken,
		e.platformToken(),
		e.userCred(tid, "a-sup", model.RoleSupervisor, nil),
		e.userCred(tid, "a-viewer", model.RoleClientViewer, nil),
	} {
		w := e.do(c, http.MethodGet, path, nil)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("wallboard as %s: %d %s", c.name, w.Code, w.Body)
		}
		checkWallboard(t, w.Body.Bytes(), a)
	}
	agent := e.userCred(tid, "a-agent", model.RoleAgent, &a.agent.ID)
	wantError(t, e.do(agent, http.MethodGet, path, nil), http.StatusForbidden, CodeForbidden, "")
	// A client viewer sees only its own tenant's wallboard.
	bViewer := e.userCred(&b.tenant.ID, "b-viewer", model.RoleClientViewer, nil)
	wantError(t, e.do(bViewer, http.MethodGet, path, nil), http.StatusNotFound, CodeNotFound, "")
	wantError(t, e.do(bViewer, http.MethodGet, path+"/stream", nil), http.StatusNotFound, CodeNotFound, "")
	wantError(t, e.do(e.platformToken(), http.MethodGet, "/api/v1/tenants/999/wallboard", nil), http.StatusNotFound, CodeNotFound, "")
}

// sseEvent reads the next event's data, skipping retry lines.
func sseEvent(t *testing.T, rd *bufio.Reader) (string, error) {
	t.Helper()
	data := ""
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && data != "":
			return data, nil
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		}
	}
}

func TestWallboardStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	e.goLive(a)
	viewer := e.userCred(&a.tenant.ID, "a-viewer", model.RoleClientViewer, nil)
	srv := httptest.NewServer(e.api.Handler())
	defer srv.Close() // waits for the handlers: a stream that ignored the disconnect would hang here

	open := func(ctx context.Context, c cred) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/tenants/%d/wallboard/stream", srv.URL, a.tenant.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.apply(req)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		return resp
	}

	// Two events, then the client goes away.
	ctx, cancel := context.WithCancel(testCtx(t))
	resp := open(ctx, viewer)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(resp.Body)
	for i := range 2 {
		data, err := sseEvent(t, rd)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		checkWallboard(t, []byte(data), a)
	}
	cancel()
	resp.Body.Close()

	// A session closed while streaming ends the stream.
	sup := e.userCred(&a.tenant.ID, "a-sup", model.RoleSupervisor, nil)
	resp = open(testCtx(t), sup)
	rd = bufio.NewReader(resp.Body)
	if _, err := sseEvent(t, rd); err != nil {
		t.Fatalf("first event: %v", err)
	}
	sup2 := e.userCred(&a.tenant.ID, "a-sup2", model.RoleSupervisor, nil)
	e.must(sup, http.MethodPost, "/api/v1/logout", nil, http.StatusNoContent, nil)
	for {
		if _, err := sseEvent(t, rd); err != nil {
			if err != io.EOF {
				t.Fatalf("stream after logout: %v", err)
			}
			break
		}
	}
	resp.Body.Close()

	// The server's shutdown ends the open streams.
	resp = open(testCtx(t), sup2)
	rd = bufio.NewReader(resp.Body)
	if _, err := sseEvent(t, rd); err != nil {
		t.Fatalf("first event: %v", err)
	}
	e.api.EndStreams()
	for {
		if _, err := sseEvent(t, rd); err != nil {
			if err != io.EOF {
				t.Fatalf("stream after EndStreams: %v", err)
			}
			break
		}
	}
	resp.Body.Close()

	// Refusals are plain JSON errors.
	agent := e.userCred(&a.tenant.ID, "a-agent", model.RoleAgent, &a.agent.ID)
	resp = open(testCtx(t), agent)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("stream as agent: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp.Body.Close()
}

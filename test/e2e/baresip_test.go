package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/media"
)

// baresipDir writes a baresip configuration playing tone (Hz) as the
// microphone and dumping what it hears (sndfile) into the folder.
func baresipDir(t *testing.T, account string, tone float64) string {
	t.Helper()
	dir := t.TempDir()
	w, err := media.CreateWAV(filepath.Join(dir, "tone.wav"))
	if err != nil {
		t.Fatal(err)
	}
	src, _ := media.NewTone(tone, 8000, 60*time.Second)
	pcm, _ := media.ReadAll(src, 0)
	if err := w.Write(pcm); err != nil {
		t.Fatal(err)
	}
	w.Close()
	conf := fmt.Sprintf(`poll_method epoll
sip_listen 127.0.0.1:0
audio_source aufile,%s
audio_alert aufile,/dev/null
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module sndfile.so
module account.so
module menu.so
snd_path %s
net_interface 127.0.0.1
`, filepath.Join(dir, "tone.wav"), dir)
	for name, body := range map[string]string{"config": conf, "accounts": account + "\n", "contacts": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// heard reads the audio baresip decoded during its call (sndfile's dump).
func heard(t *testing.T, dir string) []int16 {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "dump-*-dec.wav"))
	if len(files) == 0 {
		t.Fatalf("baresip dumped no received audio in %s", dir)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := media.ReadWAV(f)
	if err != nil {
		t.Fatalf("%s: %v", files[0], err)
	}
	pcm, err := media.ReadAll(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

// TestBaresipInterop: baresip (Debian's package) as a real caller and as
// an agent's auto-answering phone registered with digest. The caller hears
// the announcement, the agent goes ready and its phone answers, each hears
// the other's tone, and the agent's "end" hangs both up.
func TestBaresipInterop(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end")
	}
	if _, err := exec.LookPath("baresip"); err != nil {
		missingTool(t, "baresip")
	}
	srv := startDemo(t, "--data", t.TempDir())
	sipAddr := srv.waitLine(t, reSIP)[1]
	agent := srv.waitLine(t, reAgentSIP)
	loginPass, sipPass := agent[1], agent[2]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	agentDir := baresipDir(t, fmt.Sprintf("<sip:agent1@%s>;auth_pass=%s;answermode=auto;regint=600", sipAddr, sipPass), 1300)
	var agentOut lockedBuffer
	agentProc := exec.CommandContext(ctx, "baresip", "-f", agentDir, "-t", "40")
	agentProc.Stdout, agentProc.Stderr = &agentOut, &agentOut
	if err := agentProc.Start(); err != nil {
		t.Fatal(err)
	}
	agentDone := make(chan struct{})
	go func() { agentProc.Wait(); close(agentDone) }()
	t.Cleanup(func() {
		agentProc.Process.Kill()
		<-agentDone
	})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(agentOut.String(), "200 OK") {
		if time.Now().After(deadline) {
			t.Fatalf("baresip did not register:\n%s", agentOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	conn, _, err := websocket.Dial(ctx, srv.ws("/agent/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	send := func(v any) {
		b, _ := json.Marshal(v)
		if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(typ string) map[string]any {
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				t.Fatalf("desk: waiting for %s: %v\nagent baresip:\n%s", typ, err, agentOut.String())
			}
			var f map[string]any
			json.Unmarshal(b, &f)
			if f["type"] == typ {
				return f
			}
		}
	}
	send(map[string]any{"type": "login", "login": "agent1", "password": loginPass})
	expect("logged_in")

	callerDir := baresipDir(t, "<sip:+33611111111@127.0.0.1>;regint=0", 700)
	var callerOut lockedBuffer
	callerProc := exec.CommandContext(ctx, "baresip", "-f", callerDir, "-e", "/dial sip:1000@"+sipAddr, "-t", "20")
	callerProc.Stdout, callerProc.Stderr = &callerOut, &callerOut
	if err := callerProc.Start(); err != nil {
		t.Fatal(err)
	}
	callerDone := make(chan struct{})
	go func() { callerProc.Wait(); close(callerDone) }()
	t.Cleanup(func() {
		callerProc.Process.Kill()
		<-callerDone
	})
	waitFor(t, "the call established", 15*time.Second, func() bool { return strings.Contains(callerOut.String(), "Call established") })
	time.Sleep(6 * time.Second) // the announcement
	send(map[string]any{"type": "state", "state": "ready"})
	offer := expect("offer")
	expect("connected")
	time.Sleep(4 * time.Second) // the conversation
	send(map[string]any{"type": "end", "contact_id": offer["contact_id"]})
	expect("ended")
	select {
	case <-callerDone:
	case <-time.After(30 * time.Second):
		t.Fatal("baresip caller did not finish")
	}
	if !strings.Contains(callerOut.String(), "terminated") {
		t.Errorf("the caller's call was not terminated by Plateau:\n%s", callerOut.String())
	}
	// The caller heard the welcome (not silence), then the agent's 1300 Hz.
	c := heard(t, callerDir)
	welcome := promptLen(t, media.PromptWelcome)
	if len(c) < welcome+4*8000 {
		t.Fatalf("caller heard %d samples", len(c))
	}
	if r := rmsOf(c[800:welcome]); r < 300 {
		t.Errorf("caller: the welcome is silence (rms %.0f)", r)
	}
	if p := power(c[len(c)-12000:len(c)-4000], 1300); p < 0.5 {
		t.Errorf("caller: the agent's 1300 Hz at %.2f of the power", p)
	}
	// The agent's phone heard the caller's 700 Hz.
	agentProc.Process.Signal(os.Interrupt)
	select {
	case <-agentDone:
	case <-time.After(10 * time.Second):
		agentProc.Process.Kill()
		<-agentDone
	}
	a := heard(t, agentDir)
	if len(a) < 2*8000 {
		t.Fatalf("agent phone heard %d samples", len(a))
	}
	if p := power(a[len(a)-12000:len(a)-4000], 700); p < 0.5 {
		t.Errorf("agent phone: the caller's 700 Hz at %.2f of the power", p)
	}
}

package live

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// recSoft records what agent sessions ask of the softphone; it rings
// (Accept true) the contacts in ringing.
type recSoft struct {
	mu      sync.Mutex
	evs     chan string
	desk    Desktop
	ringing map[int64]bool
}

func (r *recSoft) SetDesktop(agentID int64, d Desktop, enabled bool) {
	r.mu.Lock()
	r.desk = d
	r.mu.Unlock()
	d.Send(map[string]any{"type": "softphone", "enabled": enabled})
	r.evs <- fmt.Sprintf("desktop %d %v", agentID, enabled)
}
func (r *recSoft) DesktopGone(agentID int64, d Desktop) {
	r.mu.Lock()
	same := r.desk == d
	r.mu.Unlock()
	r.evs <- fmt.Sprintf("gone %d %v", agentID, same)
}
func (r *recSoft) Answer(agentID, contactID int64, sdp string) error {
	r.evs <- fmt.Sprintf("answer %d %d %s", agentID, contactID, sdp)
	return nil
}
func (r *recSoft) Accept(agentID, contactID int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs <- fmt.Sprintf("accept %d %d", agentID, contactID)
	return r.ringing[contactID]
}

func (r *recSoft) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-r.evs:
		if got != want {
			t.Fatalf("softphone event %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no softphone event, want %q", want)
	}
}

func TestSoftphoneFrames(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 30)
	_, ep := voiceFixture(t, st, f, nil)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)

	agent := loginAgent(t, l)
	agent.send(frame{"type": "softphone", "enabled": true})
	agent.expectError(codeUnavailable)

	sp := &recSoft{evs: make(chan string, 16), ringing: map[int64]bool{}}
	l.c.SetSoftphone(sp)
	agent.send(frame{"type": "softphone", "enabled": true})
	sp.expect(t, fmt.Sprintf("desktop %d true", f.agent))
	if fr := agent.expect("softphone"); fr["enabled"] != true {
		t.Fatalf("softphone frame %v", fr)
	}
	agent.send(frame{"type": "rtc_answer", "contact_id": 5})
	agent.expectError(codeBadFrame)
	agent.send(frame{"type": "rtc_answer", "sdp": "v=0"})
	agent.expectError(codeBadFrame)

	call := newRecCall()
	a, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, call)
	must(t, err, "arrive")
	agent.send(frame{"type": "state", "state": "ready"})
	call.expect(t, fmt.Sprintf("offered %d 15s", f.agent))
	agent.expect("offer")
	agent.send(frame{"type": "rtc_answer", "contact_id": a.ContactID, "sdp": "v=0"})
	sp.expect(t, fmt.Sprintf("answer %d %d v=0", f.agent, a.ContactID))
	// Not ringing the softphone: refused as before.
	agent.send(frame{"type": "accept", "contact_id": a.ContactID})
	sp.expect(t, fmt.Sprintf("accept %d %d", f.agent, a.ContactID))
	agent.expectError(codeBadState)
	// Ringing it: the softphone takes the accept, the engine waits for the
	// telephony side's VoiceAnswered.
	sp.mu.Lock()
	sp.ringing[a.ContactID] = true
	sp.mu.Unlock()
	agent.send(frame{"type": "accept", "contact_id": a.ContactID})
	sp.expect(t, fmt.Sprintf("accept %d %d", f.agent, a.ContactID))
	call.none(t)
	must(t, l.c.VoiceAnswered(ctx, f.agent, a.ContactID), "answered")
	call.expect(t, fmt.Sprintf("connected %d", f.agent))
	agent.expect("connected")
	// The agent hangs up with "end".
	agent.send(frame{"type": "end", "contact_id": a.ContactID})
	call.expect(t, "ended ")
	agent.expect("ended")
	agent.conn.CloseNow()
	sp.expect(t, fmt.Sprintf("gone %d true", f.agent))
}

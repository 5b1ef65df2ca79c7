package live

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestQueueVoiceWaitsForNoOtherWrite: a call that joins a queue (and
// queues no write of its own) is not held until the hang-up queued before
// it is committed: with the database's write lock held elsewhere, the
// hang-up waits, the next call is queued at once.
func TestQueueVoiceWaitsForNoOtherWrite(t *testing.T) {
	path := tempDB(t)
	st := openSQLite(t, path)
	f := seed(t, st, 1, 30)
	_, ep := voiceFixture(t, st, f, nil)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)

	first := newRecCall()
	a1, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, first)
	must(t, err, "first call")
	second := newRecCall()
	rc, err := l.c.ReceiveVoice(ctx, ep, model.Customer{Phone: "+33687654321"}, second)
	must(t, err, "second call stored")

	// Another connection takes the write lock: no commit can end.
	db, err := sql.Open("sqlite", path+"?_txlock=immediate&_busy_timeout=10000")
	must(t, err, "open")
	defer db.Close()
	lock, err := db.BeginTx(ctx, nil)
	must(t, err, "take the write lock")
	released := false
	release := func() {
		if !released {
			released = true
			must(t, lock.Rollback(), "release the write lock")
		}
	}
	defer release()

	hungUp := make(chan error, 1)
	go func() { hungUp <- l.c.VoiceHangup(ctx, a1.ContactID) }()
	first.expect(t, "ended abandoned") // the abandon is queued in the same command

	// Well within the store's busy timeout (10 s), after which the hang-up's
	// write would fail and let a waiting caller go.
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	arr, err := l.c.QueueVoice(qctx, rc, ep.QueueID)
	if err != nil {
		t.Fatalf("the second call waited for the first one's hang-up to be committed: %v", err)
	}
	if arr.Ended != "" || arr.Position != 1 {
		t.Fatalf("second call %+v, want first in line", arr)
	}
	select {
	case err := <-hungUp:
		t.Fatalf("the hang-up returned before its write could be committed: %v", err)
	default:
	}
	release()
	must(t, <-hungUp, "hang up")
	in, err := st.GetInteraction(ctx, f.tenant, a1.ContactID)
	must(t, err, "first call")
	if in.State != model.StateEnded || in.EndedReason != model.EndAbandoned {
		t.Fatalf("first call %s %s, want ended abandoned", in.State, in.EndedReason)
	}
}

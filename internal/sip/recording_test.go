package sip

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
)

func TestRecorderMixesBothParties(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "1", "2", "3.wav")
	r, err := newRecorder(path, clock)
	must(t, err, "recorder")
	a, _ := media.NewTone(700, 6000, 0)
	b, _ := media.NewTone(1300, 6000, 0)
	fa, fb := make([]int16, media.FrameSamples), make([]int16, media.FrameSamples)
	for range 50 { // one second of both parties, 20 ms apart, b arriving late
		now = now.Add(media.FrameTime)
		a.Next(fa)
		r.add(0, fa)
		b.Next(fb)
		r.add(1, fb)
	}
	must(t, r.close(), "close")
	f, err := os.Open(path)
	must(t, err, "open recording")
	defer f.Close()
	wr, err := media.ReadWAV(f)
	must(t, err, "read recording")
	pcm, err := media.ReadAll(wr, 0)
	must(t, err, "samples")
	if len(pcm) < 7600 || len(pcm) > 8400 {
		t.Fatalf("%d samples for one second", len(pcm))
	}
	mid := pcm[2000:6000]
	if g7, g13 := goertzel(mid, 700), goertzel(mid, 1300); g7 < 0.3 || g13 < 0.3 {
		t.Fatalf("mix: 700 Hz %.2f, 1300 Hz %.2f of the power", g7, g13)
	}
	if r.close() != nil {
		t.Fatal("second close failed")
	}
}

func TestSweepRecordings(t *testing.T) {
	w := newWorld(t, worldOpts{record: true})
	ctx := context.Background()
	q := w.queue
	// A server of its own (not serving: no sweeper of its own running).
	srv, err := New(Config{Addr: "127.0.0.1:0", RecordingsDir: t.TempDir()}, w.center, w.st)
	must(t, err, "server")
	now := time.Now()
	mk := func(queue int64, name string, age time.Duration) string {
		p := srv.recordingPath(w.tenant, queue, 0)
		p = filepath.Join(filepath.Dir(p), name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o750), "mkdir")
		must(t, os.WriteFile(p, []byte("RIFF"), 0o640), "write")
		must(t, os.Chtimes(p, now.Add(-age), now.Add(-age)), "chtimes")
		return p
	}
	old := mk(q.ID, "1.wav", 31*24*time.Hour)
	fresh := mk(q.ID, "2.wav", 29*24*time.Hour)
	other := mk(q.ID, "notes.txt", 400*24*time.Hour)
	goneOld := mk(q.ID+100, "3.wav", time.Duration(model.MaxRetentionDays+1)*24*time.Hour)
	goneFresh := mk(q.ID+100, "4.wav", 400*24*time.Hour)
	n, err := srv.sweepRecordings(ctx)
	must(t, err, "sweep")
	if n != 2 {
		t.Fatalf("%d deleted, want 2", n)
	}
	for p, want := range map[string]bool{old: false, fresh: true, other: true, goneOld: false, goneFresh: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", p, err == nil, want)
		}
	}
}

// TestRecordedCall: the caller hears that the call may be recorded, and
// the conversation is written under the tenant and queue, both parties in.
func TestRecordedCall(t *testing.T) {
	dir := t.TempDir()
	w := newWorld(t, worldOpts{recordings: dir, record: true})
	ctx := w.ctx()
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	welcome, notice := promptSamples(t, "fr", media.PromptWelcome), promptSamples(t, "fr", media.PromptRecording)
	eventually(t, "welcome and recording notice", 20*time.Second, func() bool { return len(call.Audio()) > welcome+notice })
	heard := call.Audio()[welcome : welcome+notice]
	if r := rms(heard); r < 300 {
		t.Fatalf("the recording notice is silence (rms %.0f)", r)
	}
	_, answered := w.answeringPhone(ctx, 1300)
	d := w.readyDesk()
	offer := d.expect("offer", nil)
	id := int64(offer["contact_id"].(float64))
	ac := <-answered
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(ctx, tone)
	}()
	eventually(t, "two seconds of conversation", 20*time.Second, func() bool { return len(ac.Audio()) > 16000 })
	must(t, call.Hangup(ctx), "bye")
	d.expect("ended", nil)
	path := w.srv.recordingPath(w.tenant, w.queue.ID, id)
	var pcm []int16
	eventually(t, "the recording", 10*time.Second, func() bool {
		f, err := os.Open(path)
		if err != nil {
			return false
		}
		defer f.Close()
		wr, err := media.ReadWAV(f)
		if err != nil {
			return false
		}
		pcm, err = media.ReadAll(wr, 0)
		return err == nil && len(pcm) > 8000
	})
	mid := pcm[len(pcm)/2-2000 : len(pcm)/2+2000]
	if g7, g13 := goertzel(mid, 700), goertzel(mid, 1300); g7 < 0.2 || g13 < 0.2 {
		t.Fatalf("recording: caller 700 Hz %.2f, agent 1300 Hz %.2f of the power", g7, g13)
	}
}

// TestNotRecordedBeforeTheNotice: an agent free at once answers while the
// caller still hears the welcome; the recording notice was not heard to
// its end, so the call is not recorded.
func TestNotRecordedBeforeTheNotice(t *testing.T) {
	dir := t.TempDir()
	w := newWorld(t, worldOpts{recordings: dir, record: true})
	ctx := w.ctx()
	_, answered := w.answeringPhone(ctx, 1300)
	d := w.readyDesk()
	call, err := w.phone(testCaller, "").Dial(ctx, "1000")
	must(t, err, "dial")
	offer := d.expect("offer", nil)
	id := int64(offer["contact_id"].(float64))
	ac := <-answered
	d.expect("connected", nil)
	welcome := promptSamples(t, "fr", media.PromptWelcome)
	if n := len(call.Audio()); n >= welcome {
		t.Fatalf("the caller heard %d samples before the agent answered, the whole welcome (%d): the test needs an earlier answer", n, welcome)
	}
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(ctx, tone)
	}()
	eventually(t, "a second of conversation", 20*time.Second, func() bool { return len(ac.Audio()) > 8000 })
	must(t, call.Hangup(ctx), "bye")
	d.expect("ended", nil)
	if _, err := os.Stat(w.srv.recordingPath(w.tenant, w.queue.ID, id)); !os.IsNotExist(err) {
		t.Fatalf("a call answered before the recording notice was recorded (%v)", err)
	}
}

package sip

import (
	"context"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// callLang is the language the prompts of the server's only call are
// spoken in.
func (w *world) callLang(t *testing.T) string {
	t.Helper()
	w.srv.mu.Lock()
	defer w.srv.mu.Unlock()
	if len(w.srv.all) != 1 {
		t.Fatalf("%d calls in progress, want 1", len(w.srv.all))
	}
	for c := range w.srv.all {
		return c.sp.Lang()
	}
	return ""
}

// dialStored dials number and returns the interaction stored for it (the
// only open one), then hangs up and waits for it to end.
func (w *world) dialStored(ctx context.Context, t *testing.T, number string, during func()) model.Interaction {
	t.Helper()
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, number)
	must(t, err, "dial "+number)
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open interactions")
	if len(ins) != 1 {
		t.Fatalf("open interactions %+v", ins)
	}
	if during != nil {
		during()
	}
	must(t, call.Hangup(ctx), "bye")
	eventually(t, "the call ends", 10*time.Second, func() bool {
		open, _ := w.st.ListOpenInteractions(ctx)
		w.srv.mu.Lock()
		n := len(w.srv.all)
		w.srv.mu.Unlock()
		return len(open) == 0 && n == 0
	})
	return ins[0]
}

// TestSetupCacheSeesConfigChanges: call setups keep the entry point, the
// tenant's language and the queue's recording flag they read; after
// ConfigChanged (the server calls it on every change the API reports) the
// next call reads them again: the new queue of the entry point, English
// prompts, a number that no longer exists.
func TestSetupCacheSeesConfigChanges(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	first := w.dialStored(ctx, t, "1000", func() {
		if l := w.callLang(t); l != store.LanguageFrench {
			t.Errorf("first call in %q", l)
		}
	})
	if first.QueueID != w.queue.ID {
		t.Fatalf("first call in queue %d, want %d", first.QueueID, w.queue.ID)
	}

	other, err := w.st.CreateQueue(ctx, w.tenant, model.Queue{Name: "phone 2", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 10})
	must(t, err, "queue")
	ep, err := w.st.ResolveEntryPoint(ctx, model.EntryPhone, "1000")
	must(t, err, "entry")
	ep.QueueID = other.ID
	must(t, w.st.UpdateEntryPoint(ctx, w.tenant, ep), "move the entry point")
	must(t, w.st.SetTenantLanguage(ctx, w.tenant, store.LanguageEnglish), "language")
	// Before the change is told, the setup still uses what it kept.
	kept := w.dialStored(ctx, t, "1000", nil)
	if kept.QueueID != w.queue.ID {
		t.Fatalf("before ConfigChanged, the call went to queue %d: the setup read the store again", kept.QueueID)
	}
	w.srv.ConfigChanged()
	moved := w.dialStored(ctx, t, "1000", func() {
		if l := w.callLang(t); l != store.LanguageEnglish {
			t.Errorf("after the change, the call is in %q", l)
		}
	})
	if moved.QueueID != other.ID {
		t.Fatalf("after the change, the call went to queue %d, want %d", moved.QueueID, other.ID)
	}

	// A renumbered entry point: the old number is no longer answered.
	ep.Address = "2000"
	must(t, w.st.UpdateEntryPoint(ctx, w.tenant, ep), "renumber")
	w.srv.ConfigChanged()
	caller := w.phone(testCaller, "")
	if _, err := caller.Dial(ctx, "1000"); err == nil {
		t.Fatal("the old number was answered after the change")
	}
	w.dialStored(ctx, t, "2000", nil)
}

// TestSetupCacheDropsReadsOverlappingAChange: a read that began before a
// change is not kept, so it cannot hide the change from later setups.
func TestSetupCacheDropsReadsOverlappingAChange(t *testing.T) {
	var c setupCache
	gen := c.generation()
	c.mu.Lock()
	c.gen++ // ConfigChanged during the read
	c.mu.Unlock()
	kept := false
	c.keep(gen, func() { kept = true })
	if kept {
		t.Fatal("a read from before the change was kept")
	}
	c.keep(c.generation(), func() { kept = true })
	if !kept {
		t.Fatal("a read after the change was not kept")
	}
}

package sip

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
)

// menuWorld adds a "sales" voice queue and entry 1001 whose menu sends 1
// there (0 and the default go to the world's queue), with a recorded
// prompt: the English "you are number", which a French tenant otherwise
// never hears.
func menuWorld(t *testing.T) (*world, model.Queue, []int16) {
	w := newWorld(t, worldOpts{menuTimeout: 300 * time.Millisecond, announceEvery: time.Hour})
	ctx := w.ctx()
	sales, err := w.st.CreateQueue(ctx, w.tenant, model.Queue{Name: "sales", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 10})
	must(t, err, "sales queue")
	ep, err := w.st.CreateEntryPoint(ctx, w.tenant, model.EntryPoint{Kind: model.EntryPhone, Address: "1001", QueueID: w.queue.ID,
		Menu: &model.Menu{Options: []model.MenuOption{{Key: "1", QueueID: sales.ID, Label: "Ventes"}}}})
	must(t, err, "entry with a menu")
	prompt, err := media.LoadWAV(media.Prompts(), "en/"+media.PromptPosition+".wav")
	must(t, err, "prompt")
	must(t, w.st.SetMenuPrompt(ctx, w.tenant, ep.ID, media.EncodeWAV(prompt.Data()), prompt.Duration()), "menu prompt")
	return w, sales, prompt.Data()
}

func fr(t *testing.T, name string) []int16 {
	s, err := media.LoadWAV(media.Prompts(), "fr/"+name+".wav")
	must(t, err, name)
	return s.Data()
}

// waitInQueue waits until contact id waits in queue q and returns the
// kinds and queues of its segments.
func (w *world) waitInQueue(ctx context.Context, id, q int64) string {
	w.t.Helper()
	eventually(w.t, fmt.Sprintf("call %d in queue %d", id, q), 30*time.Second, func() bool {
		in, err := w.st.GetInteraction(ctx, w.tenant, id)
		if err != nil || in.QueueID != q || in.State != model.StateQueued {
			return false
		}
		_, _, ok, err := w.center.VoicePosition(ctx, id)
		return err == nil && ok
	})
	segs, err := w.st.ListSegments(ctx, w.tenant, id)
	must(w.t, err, "segments")
	out := ""
	for _, s := range segs {
		out += fmt.Sprintf("%s/%d ", s.Kind, *s.QueueID)
	}
	return out
}

func openCall(t *testing.T, w *world, ctx context.Context) int64 {
	t.Helper()
	ins, err := w.st.ListOpenInteractions(ctx)
	must(t, err, "open interactions")
	if len(ins) != 1 || ins[0].State != model.StateQueued || ins[0].QueueID != w.queue.ID {
		t.Fatalf("stored before the menu: %+v", ins)
	}
	return ins[0].ID
}

// TestMenuOption: the caller hears the welcome, the menu prompt and "to
// speak to an advisor, press 0"; 1 (pressed during the menu) takes them to
// the sales queue, where they hear their position.
func TestMenuOption(t *testing.T) {
	w, sales, prompt := menuWorld(t)
	ctx := w.ctx()
	call, err := w.phone(testCaller, "").Dial(ctx, "1001")
	must(t, err, "dial 1001")
	id := openCall(t, w, ctx) // stored before the answer, on the entry's queue
	welcome, zero, next := fr(t, media.PromptWelcome), fr(t, media.PromptMenuZero), fr(t, media.PromptNext)
	// 1 is pressed while the menu prompt is still being said (its first
	// half heard), well before "press 0" would follow it.
	begun := prompt[:len(prompt)/2]
	eventually(t, "the menu prompt", 20*time.Second, func() bool { return len(findPrompt(call.Audio(), begun)) > 0 })
	heard := call.Audio()
	if at := findPrompt(heard, welcome); len(at) != 1 || at[0] != 0 {
		t.Fatalf("welcome at %v, want at the start", at)
	}
	if at := findPrompt(heard, begun); at[0] < len(welcome) || at[0] > len(welcome)+media.FrameSamples {
		t.Fatalf("menu prompt at %v, want right after the welcome (%d)", at, len(welcome))
	}
	must(t, call.SendDigit(ctx, '1'), "press 1")
	if segs := w.waitInQueue(ctx, id, sales.ID); segs != fmt.Sprintf("queued/%d queued/%d ", w.queue.ID, sales.ID) {
		t.Fatalf("segments %s: want the menu's on the entry's queue, then sales", segs)
	}
	eventually(t, "the position in sales", 20*time.Second, func() bool { return len(findPrompt(call.Audio(), next)) > 0 })
	if at := findPrompt(call.Audio(), zero); len(at) != 0 {
		t.Errorf("'press 0' heard at %v though 1 stopped the menu before it", at)
	}
	if n := metricValue(t, w.reg, "plateau_sip_menu_choices_total", "choice", "option"); n != 1 {
		t.Errorf("menu choices option = %v", n)
	}
	if in, err := w.st.GetInteraction(ctx, w.tenant, id); err != nil || in.MenuChoice != "option:1" ||
		fmt.Sprint(in.QueuePath) != fmt.Sprint([]int64{w.queue.ID, sales.ID}) {
		t.Errorf("stored menu choice %q and queue path %v (%v), want option:1 and the entry's queue then sales", in.MenuChoice, in.QueuePath, err)
	}
	must(t, call.Hangup(ctx), "bye")
	eventually(t, "abandoned", 10*time.Second, func() bool {
		in, err := w.st.GetInteraction(ctx, w.tenant, id)
		return err == nil && in.State == model.StateEnded && in.EndedReason == model.EndAbandoned
	})
}

// TestMenuZeroWrongKeyAndSilence: 0 reaches the entry's queue at once; a
// wrong key says the menu again; silence ends in the entry's queue too.
func TestMenuZeroWrongKeyAndSilence(t *testing.T) {
	w, _, prompt := menuWorld(t)
	ctx := w.ctx()
	zero := fr(t, media.PromptMenuZero)

	call, err := w.phone(testCaller, "").Dial(ctx, "1001")
	must(t, err, "dial 1001")
	id := openCall(t, w, ctx)
	eventually(t, "press 0 said", 20*time.Second, func() bool { return len(findPrompt(call.Audio(), zero)) > 0 })
	must(t, call.SendDigit(ctx, '7'), "a key that is no option")
	eventually(t, "the menu said again", 20*time.Second, func() bool { return len(findPrompt(call.Audio(), prompt)) == 2 })
	must(t, call.SendDigit(ctx, '0'), "press 0")
	if segs := w.waitInQueue(ctx, id, w.queue.ID); segs != fmt.Sprintf("queued/%d ", w.queue.ID) {
		t.Fatalf("segments after 0: %s", segs)
	}
	if in, err := w.st.GetInteraction(ctx, w.tenant, id); err != nil || in.MenuChoice != "zero" {
		t.Errorf("stored menu choice %q (%v), want zero", in.MenuChoice, err)
	}
	must(t, call.Hangup(ctx), "bye")

	// No key: the menu is said menuPlays times, then the entry's queue.
	eventually(t, "first call ended", 10*time.Second, func() bool {
		ins, _ := w.st.ListOpenInteractions(ctx)
		return len(ins) == 0
	})
	call, err = w.phone(testCaller, "").Dial(ctx, "1001")
	must(t, err, "dial 1001 again")
	id = openCall(t, w, ctx)
	w.waitInQueue(ctx, id, w.queue.ID)
	if n := len(findPrompt(call.Audio(), prompt)); n != menuPlays {
		t.Errorf("menu said %d times before the default queue, want %d", n, menuPlays)
	}
	if in, err := w.st.GetInteraction(ctx, w.tenant, id); err != nil || in.MenuChoice != "default" {
		t.Errorf("stored menu choice %q (%v), want default", in.MenuChoice, err)
	}
	for choice, want := range map[string]float64{"zero": 1, "default": 1, "option": 0} {
		if n := metricValue(t, w.reg, "plateau_sip_menu_choices_total", "choice", choice); n != want {
			t.Errorf("menu choices %s = %v, want %v", choice, n, want)
		}
	}
}

// TestMenuWithoutPromptNotOffered: a menu without its recorded prompt is
// not offered: the caller is queued at once, as on an entry without one.
func TestMenuWithoutPromptNotOffered(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	_, err := w.st.CreateEntryPoint(ctx, w.tenant, model.EntryPoint{Kind: model.EntryPhone, Address: "1002", QueueID: w.queue.ID,
		Menu: &model.Menu{Options: []model.MenuOption{{Key: "1", QueueID: w.queue.ID}}}})
	must(t, err, "entry")
	call, err := w.phone(testCaller, "").Dial(ctx, "1002")
	must(t, err, "dial 1002")
	id := openCall(t, w, ctx)
	w.waitInQueue(ctx, id, w.queue.ID)
	must(t, call.Hangup(ctx), "bye")
}

package server

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

func TestEnsureVoiceDemo(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	demo, err := SeedDemo(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureBots(ctx, st, demo.Tenant, 2); err != nil {
		t.Fatal(err)
	}
	var accs []SIPAccount
	for range 2 { // twice: the line is made once, passwords change
		if accs, err = EnsureVoiceDemo(ctx, st, demo.Tenant, "plateau"); err != nil {
			t.Fatal(err)
		}
	}
	if len(accs) != 8 { // six agents and two bots
		t.Fatalf("%d SIP accounts", len(accs))
	}
	ep, err := st.ResolveEntryPoint(ctx, model.EntryPhone, DemoPhoneNumber)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.GetQueue(ctx, demo.Tenant.ID, ep.QueueID)
	if err != nil || q.Channel != model.ChannelVoice {
		t.Fatalf("entry 1000 goes to %+v (%v)", q, err)
	}
	queues, _ := st.ListQueues(ctx, demo.Tenant.ID)
	if len(queues) != 4 { // two chat, two voice
		t.Fatalf("%d queues after two runs, want 4", len(queues))
	}
	menu, err := st.ResolveEntryPoint(ctx, model.EntryPhone, DemoMenuNumber)
	if err != nil {
		t.Fatal(err)
	}
	if sales, ok := menu.Menu.Queue('2'); !ok || menu.QueueID != ep.QueueID || sales == ep.QueueID || menu.MenuPromptMS < 3000 {
		t.Fatalf("entry 1001: %+v, want a menu with 2 to sales, 0 to the support line and a recorded prompt", menu)
	}
	// A prompt missing (an earlier run stopped half-way) is stored again.
	if err := st.DeleteMenuPrompt(ctx, demo.Tenant.ID, menu.ID); err != nil {
		t.Fatal(err)
	}
	if accs, err = EnsureVoiceDemo(ctx, st, demo.Tenant, "plateau"); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.GetEntryPoint(ctx, demo.Tenant.ID, menu.ID); again.MenuPromptMS != menu.MenuPromptMS {
		t.Fatalf("the demo menu's prompt not stored again: %d ms", again.MenuPromptMS)
	}
	agents, _ := st.ListAgents(ctx, demo.Tenant.ID)
	for _, a := range agents {
		if a.VoiceCapacity != 1 {
			t.Errorf("agent %s takes no call", a.Name)
		}
	}
	for _, a := range accs {
		acc, err := st.FindSIPAccount(ctx, a.Username)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := store.DigestHA1(a.Username, "plateau", a.Password); m != acc.HA1MD5 {
			t.Errorf("%s: printed password does not match", a.Username)
		}
	}
}

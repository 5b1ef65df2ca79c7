package store

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestEntryPointMenu(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "beta")
		tid := a.tenant.ID
		sales := validQueue(a.skill.ID, nil)
		sales.Name = "sales"
		salesQ, err := s.CreateQueue(ctx, tid, sales)
		noErr(t, err, "sales queue")

		menu := &model.Menu{Options: []model.MenuOption{{Key: "1", QueueID: salesQ.ID, Label: "Ventes"}, {Key: "2", QueueID: a.queue.ID}}}
		ep, err := s.CreateEntryPoint(ctx, tid, model.EntryPoint{Kind: model.EntryPhone, Address: "1001", QueueID: a.queue.ID, Menu: menu})
		noErr(t, err, "entry point with a menu")
		got, err := s.ResolveEntryPoint(ctx, model.EntryPhone, "1001")
		noErr(t, err, "resolve")
		if !got.Menu.Active() || len(got.Menu.Options) != 2 || got.Menu.Options[0] != menu.Options[0] || got.MenuPromptMS != 0 {
			t.Fatalf("stored menu %+v (prompt %d ms), want %+v and no prompt", got.Menu, got.MenuPromptMS, menu)
		}
		if q, ok := got.Menu.Queue('1'); !ok || q != salesQ.ID {
			t.Fatalf("key 1 leads to %d %v, want %d", q, ok, salesQ.ID)
		}

		// A menu's queues are voice queues of the tenant.
		for name, o := range map[string]model.MenuOption{
			"chat queue":        {Key: "3", QueueID: a.chat.ID},
			"other tenant":      {Key: "3", QueueID: b.queue.ID},
			"queue that is not": {Key: "3", QueueID: 99999},
		} {
			bad := got
			bad.Menu = &model.Menu{Options: append([]model.MenuOption{o}, menu.Options...)}
			err := s.UpdateEntryPoint(ctx, tid, bad)
			wantErr(t, err, ErrInvalid, "menu to a "+name)
			if ve := (*model.ValidationError)(nil); !errors.As(err, &ve) || ve.Field != "menu.options[0].queue_id" {
				t.Errorf("menu to a %s: %v, want a validation error on menu.options[0].queue_id", name, err)
			}
		}
		// A queue a menu leads to cannot be deleted, nor stop taking calls.
		wantErr(t, s.DeleteQueue(ctx, tid, salesQ.ID), ErrConflict, "delete a menu's queue")
		chatty := salesQ
		chatty.Channel = model.ChannelChat
		wantErr(t, s.UpdateQueue(ctx, tid, chatty), ErrConflict, "a menu's queue made a chat queue")
		salesQ.Priority = 3
		noErr(t, s.UpdateQueue(ctx, tid, salesQ), "a menu's queue changed otherwise")

		// No menu: the column is cleared.
		plain := got
		plain.Menu = nil
		noErr(t, s.UpdateEntryPoint(ctx, tid, plain), "remove the menu")
		if g, _ := s.GetEntryPoint(ctx, tid, ep.ID); g.Menu != nil {
			t.Fatalf("menu after removal: %+v", g.Menu)
		}
		noErr(t, s.UpdateEntryPoint(ctx, tid, got), "menu back")

		// The prompt: stored whole, versioned, per tenant, phone entries only.
		wav := append([]byte("RIFF"), bytes.Repeat([]byte{1, 2}, 4000)...)
		wantErr(t, s.SetMenuPrompt(ctx, tid, a.entry.ID, wav, time.Second), ErrInvalid, "prompt on a chat entry")
		wantErr(t, s.SetMenuPrompt(ctx, b.tenant.ID, ep.ID, wav, time.Second), ErrNotFound, "prompt on another tenant's entry")
		wantErr(t, s.SetMenuPrompt(ctx, tid, ep.ID, nil, time.Second), ErrInvalid, "empty prompt")
		wantErr(t, s.SetMenuPrompt(ctx, tid, ep.ID, make([]byte, MaxMenuPromptBytes+1), time.Second), ErrInvalid, "prompt too long")
		_, _, err = s.MenuPrompt(ctx, tid, ep.ID)
		wantErr(t, err, ErrNotFound, "no prompt yet")
		noErr(t, s.SetMenuPrompt(ctx, tid, ep.ID, wav, 1500*time.Millisecond), "set prompt")
		stored, v1, err := s.MenuPrompt(ctx, tid, ep.ID)
		noErr(t, err, "get prompt")
		if !bytes.Equal(stored, wav) || v1 == 0 {
			t.Fatalf("stored prompt %d bytes version %d, want %d bytes", len(stored), v1, len(wav))
		}
		_, _, err = s.MenuPrompt(ctx, b.tenant.ID, ep.ID)
		wantErr(t, err, ErrNotFound, "prompt read by another tenant")
		g, _ := s.GetEntryPoint(ctx, tid, ep.ID)
		if g.MenuPromptMS != 1500 || g.MenuPromptVersion != v1 {
			t.Fatalf("entry point says prompt %d ms version %d, want 1500 ms version %d", g.MenuPromptMS, g.MenuPromptVersion, v1)
		}
		noErr(t, s.SetMenuPrompt(ctx, tid, ep.ID, wav[:100], 10*time.Millisecond), "replace prompt")
		if _, v2, _ := s.MenuPrompt(ctx, tid, ep.ID); v2 == v1 {
			t.Fatalf("replaced prompt kept version %d", v1)
		}
		// Updating the entry point keeps its prompt.
		noErr(t, s.UpdateEntryPoint(ctx, tid, got), "update entry")
		if g, _ := s.GetEntryPoint(ctx, tid, ep.ID); g.MenuPromptMS != 10 {
			t.Fatalf("prompt after update: %d ms, want 10", g.MenuPromptMS)
		}
		wantErr(t, s.DeleteMenuPrompt(ctx, b.tenant.ID, ep.ID), ErrNotFound, "delete another tenant's prompt")
		noErr(t, s.DeleteMenuPrompt(ctx, tid, ep.ID), "delete prompt")
		wantErr(t, s.DeleteMenuPrompt(ctx, tid, ep.ID), ErrNotFound, "delete it twice")

		// An entry point that stops being a phone entry loses its prompt.
		noErr(t, s.SetMenuPrompt(ctx, tid, ep.ID, wav, time.Second), "set prompt")
		asChat := got
		asChat.Kind, asChat.Address, asChat.Menu, asChat.QueueID = model.EntryChat, "was-phone", nil, a.chat.ID
		noErr(t, s.UpdateEntryPoint(ctx, tid, asChat), "phone entry made a chat entry")
		if g, _ := s.GetEntryPoint(ctx, tid, ep.ID); g.MenuPromptMS != 0 {
			t.Fatalf("a chat entry kept a menu prompt of %d ms", g.MenuPromptMS)
		}
		noErr(t, s.UpdateEntryPoint(ctx, tid, got), "back to a phone entry")

		// Deleting the entry point deletes its prompt.
		noErr(t, s.SetMenuPrompt(ctx, tid, ep.ID, wav, time.Second), "set prompt again")
		noErr(t, s.DeleteEntryPoint(ctx, tid, ep.ID), "delete entry point")
		var n int
		noErr(t, s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM entry_point_prompts").Scan(&n), "count prompts")
		if n != 0 {
			t.Fatalf("%d prompts left after their entry point was deleted", n)
		}
		noErr(t, s.DeleteQueue(ctx, tid, salesQ.ID), "delete the queue once no menu leads to it")
	})
}

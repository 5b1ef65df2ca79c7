package store

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestDeskReasonsCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "globex")
		tid := a.tenant.ID
		d, err := s.CreateReason(ctx, tid, model.ReasonDisposition, model.Reason{Code: "sale", Label: "Vente", Position: 2})
		noErr(t, err, "create")
		_, err = s.CreateReason(ctx, tid, model.ReasonDisposition, model.Reason{Code: "sale", Label: "again"})
		wantErr(t, err, ErrConflict, "same code twice")
		_, err = s.CreateReason(ctx, tid, model.ReasonNotReady, model.Reason{Code: "sale", Label: "not-ready list is apart"})
		noErr(t, err, "the same code in the other list")
		_, err = s.CreateReason(ctx, b.tenant.ID, model.ReasonDisposition, model.Reason{Code: "sale", Label: "other tenant"})
		noErr(t, err, "the same code in another tenant")
		_, err = s.CreateReason(ctx, tid, model.ReasonDisposition, model.Reason{Code: "Bad Code", Label: "x"})
		wantErr(t, err, ErrInvalid, "bad code")
		_, err = s.CreateReason(ctx, tid, model.ReasonDisposition, model.Reason{Code: "info", Label: "Information", Position: 1})
		noErr(t, err, "create second")
		list, err := s.ListReasons(ctx, tid, model.ReasonDisposition)
		noErr(t, err, "list")
		if len(list) != 2 || list[0].Code != "info" || list[1].Code != "sale" {
			t.Fatalf("list %+v, want info then sale (by position)", list)
		}
		d.Label = "Vente conclue"
		noErr(t, s.UpdateReason(ctx, tid, model.ReasonDisposition, d), "update")
		got, err := s.GetReason(ctx, tid, model.ReasonDisposition, d.ID)
		noErr(t, err, "get")
		if got.Label != "Vente conclue" || got.Kind != model.ReasonDisposition {
			t.Fatalf("got %+v", got)
		}
		_, err = s.GetReason(ctx, tid, model.ReasonNotReady, d.ID)
		wantErr(t, err, ErrNotFound, "a disposition through the not-ready list")
		_, err = s.GetReason(ctx, b.tenant.ID, model.ReasonDisposition, d.ID)
		wantErr(t, err, ErrNotFound, "another tenant's")
		wantErr(t, s.DeleteReason(ctx, b.tenant.ID, model.ReasonDisposition, d.ID), ErrNotFound, "delete another tenant's")
		noErr(t, s.DeleteReason(ctx, tid, model.ReasonDisposition, d.ID), "delete")
	})
}

func TestWidgetSettings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "globex")
		tid := a.tenant.ID
		w, err := s.GetWidgetSettings(ctx, tid, a.entry.ID)
		noErr(t, err, "defaults")
		if w != (model.WidgetSettings{EntryPointID: a.entry.ID}) {
			t.Fatalf("defaults %+v", w)
		}
		want := model.WidgetSettings{EntryPointID: a.entry.ID, Colour: "#7a1f3d", TextColour: "#ffffff", LogoURL: "https://acme.example/logo.svg",
			Greeting: "Bonjour !", ClosedText: "Nous sommes fermés."}
		noErr(t, s.SetWidgetSettings(ctx, tid, want), "set")
		want.Greeting = "Bonjour, que puis-je pour vous ?"
		noErr(t, s.SetWidgetSettings(ctx, tid, want), "set again")
		got, err := s.WidgetSettingsByKey(ctx, a.entry.Address)
		noErr(t, err, "by key")
		if got != want {
			t.Fatalf("by key %+v, want %+v", got, want)
		}
		wantErr(t, s.SetWidgetSettings(ctx, b.tenant.ID, want), ErrNotFound, "another tenant's entry point")
		low := want
		low.TextColour = "#888888"
		wantErr(t, s.SetWidgetSettings(ctx, tid, low), ErrInvalid, "colours too close")
		phone, err := s.CreateEntryPoint(ctx, tid, model.EntryPoint{Kind: model.EntryPhone, Address: "+33100000001", QueueID: a.queue.ID})
		noErr(t, err, "phone entry")
		wantErr(t, s.SetWidgetSettings(ctx, tid, model.WidgetSettings{EntryPointID: phone.ID}), ErrInvalid, "a phone entry has no widget")
		noErr(t, s.DeleteEntryPoint(ctx, tid, a.entry.ID), "delete the entry point and its settings")
	})
}

// PreviewErasure counts what EraseCustomer then erases, and changes nothing.
func TestPreviewErasure(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		tid := a.tenant.ID
		at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		mk := func(end bool) int64 {
			id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: a.chat.ID, Channel: model.ChannelChat,
				Customer: model.Customer{Name: "Ada", Email: "Ada@example.com"}, ArrivedAt: at})
			noErr(t, err, "interaction")
			_, _, err = s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderCustomer, Body: "mon adresse est ..."})
			noErr(t, err, "message")
			if end {
				_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: at.Add(time.Minute)})
				noErr(t, err, "end")
			}
			return id
		}
		ended := mk(true)
		mk(false)
		key := ErasureKey{Email: "ada@EXAMPLE.com"}
		p, err := s.PreviewErasure(ctx, tid, key)
		noErr(t, err, "preview")
		if p.Interactions != 1 || p.Messages != 1 || p.StillOpen != 1 || len(p.IDs) != 1 || p.IDs[0] != ended {
			t.Fatalf("preview %+v", p)
		}
		in, err := s.GetInteraction(ctx, tid, ended)
		noErr(t, err, "get")
		if in.Customer.Name != "Ada" {
			t.Fatalf("the preview erased: %+v", in.Customer)
		}
		e, err := s.EraseCustomer(ctx, tid, key)
		noErr(t, err, "erase")
		if e.Interactions != p.Interactions || e.Messages != p.Messages || e.StillOpen != p.StillOpen {
			t.Errorf("erased %+v, the preview said %+v", e, p)
		}
		_, err = s.PreviewErasure(ctx, tid, ErasureKey{})
		wantErr(t, err, ErrInvalid, "no key")
	})
}

// A disabled user cannot sign in, and disabling clears the password: the
// person's open desk sees a changed credential and is closed.
func TestDisabledUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		tid := &a.tenant.ID
		u, err := s.CreateUser(ctx, tid, model.User{Login: "nadia", DisplayName: "Nadia", Role: model.RoleSupervisor})
		noErr(t, err, "create")
		noErr(t, s.SetPassword(ctx, tid, u.ID, "a long password"), "password")
		_, err = s.CheckPassword(ctx, "nadia", "a long password")
		noErr(t, err, "sign in")
		u.Disabled = true
		noErr(t, s.UpdateUser(ctx, tid, u), "disable")
		got, err := s.GetUser(ctx, tid, u.ID)
		noErr(t, err, "get")
		if !got.Disabled || got.PasswordHash != "" {
			t.Fatalf("disabled user %+v", got)
		}
		_, err = s.CheckPassword(ctx, "nadia", "a long password")
		wantErr(t, err, ErrInvalidCredentials, "a disabled user signs in")
		noErr(t, s.SetPassword(ctx, tid, u.ID, "another long password"), "a password while disabled")
		_, err = s.CheckPassword(ctx, "nadia", "another long password")
		wantErr(t, err, ErrInvalidCredentials, "a disabled user with a new password signs in")
		u.Disabled = false
		noErr(t, s.UpdateUser(ctx, tid, u), "enable")
		_, err = s.CheckPassword(ctx, "nadia", "another long password")
		noErr(t, err, "enabled again, with the password set")
	})
}

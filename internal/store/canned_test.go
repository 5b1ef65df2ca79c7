package store

import (
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestCannedResponsesCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "globex")
		tid := a.tenant.ID
		c, err := s.CreateCannedResponse(ctx, tid, model.CannedResponse{Code: "delivery", Title: "Delivery delay", Body: "Bonjour {name}, votre colis arrive."})
		noErr(t, err, "create")
		_, err = s.CreateCannedResponse(ctx, tid, model.CannedResponse{Code: "delivery", Body: "again"})
		wantErr(t, err, ErrConflict, "same code twice")
		_, err = s.CreateCannedResponse(ctx, tid, model.CannedResponse{Code: "Bad Code", Body: "x"})
		wantErr(t, err, ErrInvalid, "bad code")
		_, err = s.CreateCannedResponse(ctx, tid, model.CannedResponse{Code: "empty"})
		wantErr(t, err, ErrInvalid, "no body")
		_, err = s.CreateCannedResponse(ctx, b.tenant.ID, model.CannedResponse{Code: "delivery", Body: "other tenant's"})
		noErr(t, err, "the same code in another tenant")
		_, err = s.CreateCannedResponse(ctx, tid, model.CannedResponse{Code: "apology", Body: "Désolé {name}."})
		noErr(t, err, "create second")
		list, err := s.ListCannedResponses(ctx, tid)
		noErr(t, err, "list")
		if len(list) != 2 || list[0].Code != "apology" || list[1].Code != "delivery" || list[1].Title != "Delivery delay" {
			t.Fatalf("list %+v", list)
		}
		c.Body = "Bonjour {name}, il arrive demain."
		noErr(t, s.UpdateCannedResponse(ctx, tid, c), "update")
		got, err := s.GetCannedResponse(ctx, tid, c.ID)
		noErr(t, err, "get")
		if got.Body != c.Body || got.TenantID != tid {
			t.Fatalf("got %+v", got)
		}
		_, err = s.GetCannedResponse(ctx, b.tenant.ID, c.ID)
		wantErr(t, err, ErrNotFound, "another tenant's")
		wantErr(t, s.DeleteCannedResponse(ctx, b.tenant.ID, c.ID), ErrNotFound, "delete another tenant's")
		noErr(t, s.DeleteCannedResponse(ctx, tid, c.ID), "delete")
		wantErr(t, s.DeleteCannedResponse(ctx, tid, c.ID), ErrNotFound, "delete twice")
	})
}

package api

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// A tenant admin erases a customer's personal data, recordings included;
// the audit log says it was done, without the data.
func TestEraseCustomerAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnv(t, Options{RecordingsDir: dir})
	f := e.fixture("acme")
	ctx := testCtx(t)
	id, err := e.st.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelChat,
		Customer: model.Customer{Name: "Ada", Phone: "+33612345678"}, ArrivedAt: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.UpdateInteractionState(ctx, f.tenant.ID, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: e.clock.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, fmt.Sprint(f.tenant.ID), fmt.Sprint(f.queue.ID), fmt.Sprintf("%d.wav", id))
	if err := os.MkdirAll(filepath.Dir(rec), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rec, []byte("RIFF"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/tenants/%d/erasure", f.tenant.ID)
	var res ErasureResult
	e.must(f.adminToken, http.MethodPost, path, ErasureRequest{Phone: "+33612345678"}, 200, &res)
	if res.Interactions != 1 || res.Recordings != 1 || len(res.IDs) != 1 || res.IDs[0] != id {
		t.Fatalf("erasure %+v", res)
	}
	if _, err := os.Stat(rec); !os.IsNotExist(err) {
		t.Errorf("the recording is still there: %v", err)
	}
	in, err := e.st.GetInteraction(ctx, f.tenant.ID, id)
	if err != nil || in.Customer != (model.Customer{}) || in.State != model.StateEnded {
		t.Errorf("after the erasure: %+v %v", in, err)
	}
	var log []model.AuditEntry
	e.must(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/audit?action=eraseCustomer", f.tenant.ID), nil, 200, &log)
	if len(log) != 1 {
		t.Fatalf("audit %+v", log)
	}
	if strings.Contains(fmt.Sprintf("%+v", log[0]), "33612345678") {
		t.Errorf("the audit line holds the erased data: %+v", log[0])
	}
	wantError(t, e.do(f.adminToken, http.MethodPost, path, ErasureRequest{}), http.StatusUnprocessableEntity, CodeValidationFailed, "phone")
	sup := e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	wantError(t, e.do(sup, http.MethodPost, path, ErasureRequest{Phone: "+33612345678"}), http.StatusForbidden, CodeForbidden, "")
}

func TestRetentionAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	path := fmt.Sprintf("/api/v1/tenants/%d/retention", f.tenant.ID)
	var r model.Retention
	e.must(f.adminToken, http.MethodGet, path, nil, 200, &r)
	if r.RecordingDays != model.MaxRecordingDays || r.TranscriptDays != 0 {
		t.Errorf("default %+v", r)
	}
	e.must(f.adminToken, http.MethodPut, path, model.Retention{TranscriptDays: 30, RecordingDays: 90, CustomerDays: 365}, 200, &r)
	if r.TenantID != f.tenant.ID || r.RecordingDays != 90 {
		t.Errorf("set %+v", r)
	}
	wantError(t, e.do(f.adminToken, http.MethodPut, path, model.Retention{RecordingDays: 365}), http.StatusUnprocessableEntity, CodeValidationFailed, "recording_days")
}

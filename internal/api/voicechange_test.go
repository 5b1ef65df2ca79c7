package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestVoiceSettingsReportChanges: the tenant's language and an entry
// point's menu prompt are configuration that the SIP server keeps between
// call setups: setting them reports a change, as the other configuration
// rows do, so that the next call hears the new one.
func TestVoiceSettingsReportChanges(t *testing.T) {
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	lang := fmt.Sprintf("/api/v1/tenants/%d/language", f.tenant.ID)
	e.takeChanges()
	e.must(f.adminToken, http.MethodPut, lang, LanguageRequest{Language: "en"}, http.StatusNoContent, nil)
	wantChanges(t, e, KindTenant, Change{Kind: KindTenant, TenantID: f.tenant.ID, ID: f.tenant.ID})
	if w := e.do(f.adminToken, http.MethodPut, lang, LanguageRequest{Language: "de"}); w.Code < 400 || w.Code >= 500 {
		t.Fatalf("unknown language: %d", w.Code)
	}
	wantChanges(t, e, "", Change{})

	base := fmt.Sprintf("/api/v1/tenants/%d/entry-points", f.tenant.ID)
	var voice model.Queue
	e.must(f.adminToken, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/queues", f.tenant.ID), model.Queue{Name: "phone", Channel: model.ChannelVoice,
		Priority: 1, SLTargetPct: 80, SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15}, http.StatusCreated, &voice)
	var ep model.EntryPoint
	menu := &model.Menu{Options: []model.MenuOption{{Key: "1", QueueID: voice.ID, Label: "Support"}}}
	e.must(f.adminToken, http.MethodPost, base, model.EntryPoint{Kind: model.EntryPhone, Address: "1001", QueueID: voice.ID, Menu: menu}, http.StatusCreated, &ep)
	e.takeChanges()
	prompt := fmt.Sprintf("%s/%d/menu-prompt", base, ep.ID)
	e.must(f.adminToken, http.MethodPut, prompt, wavBody(wav16(8000, 1, time.Second)), http.StatusOK, &ep)
	wantChanges(t, e, KindEntryPoint, Change{Kind: KindEntryPoint, TenantID: f.tenant.ID, ID: ep.ID})
	e.must(f.adminToken, http.MethodDelete, prompt, nil, http.StatusNoContent, nil)
	wantChanges(t, e, KindEntryPoint, Change{Kind: KindEntryPoint, TenantID: f.tenant.ID, ID: ep.ID})
}

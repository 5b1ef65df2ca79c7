package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

func TestAgentSIPAccountAndLanguage(t *testing.T) {
	e := newEnv(t, Options{SIPRealm: "voice.example"})
	f := e.fixture("acme")
	g := e.fixture("globex")
	ctx := testCtx(t)
	path := fmt.Sprintf("/api/v1/tenants/%d/agents/%d/sip", f.tenant.ID, f.agent.ID)
	e.must(f.adminToken, http.MethodPut, path, SIPAccountRequest{Username: "amina-phone", Password: "phone secret"}, http.StatusNoContent, nil)
	acc, err := e.st.FindSIPAccount(ctx, "amina-phone")
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := store.DigestHA1("amina-phone", "voice.example", "phone secret"); acc.AgentID != f.agent.ID || acc.HA1MD5 != m {
		t.Fatalf("account %+v", acc)
	}
	// Bad input is refused, nothing changes.
	if w := e.do(f.adminToken, http.MethodPut, path, SIPAccountRequest{Username: "amina phone", Password: "phone secret"}); w.Code < 400 || w.Code >= 500 {
		t.Fatalf("bad username: %d", w.Code)
	}
	if w := e.do(f.adminToken, http.MethodPut, path, SIPAccountRequest{Username: "x", Password: "short"}); w.Code < 400 || w.Code >= 500 {
		t.Fatalf("short password: %d", w.Code)
	}
	// Another tenant's username is taken; another tenant's agent is not found.
	other := fmt.Sprintf("/api/v1/tenants/%d/agents/%d/sip", g.tenant.ID, g.agent.ID)
	if w := e.do(g.adminToken, http.MethodPut, other, SIPAccountRequest{Username: "amina-phone", Password: "phone secret"}); w.Code != http.StatusConflict {
		t.Fatalf("taken username: %d", w.Code)
	}
	cross := fmt.Sprintf("/api/v1/tenants/%d/agents/%d/sip", g.tenant.ID, f.agent.ID)
	if w := e.do(g.adminToken, http.MethodPut, cross, SIPAccountRequest{Username: "z-phone", Password: "phone secret"}); w.Code != http.StatusNotFound {
		t.Fatalf("other tenant's agent: %d", w.Code)
	}
	agentID := f.agent.ID
	agent := e.userCred(&f.tenant.ID, "ag", model.RoleAgent, &agentID)
	wantError(t, e.do(agent, http.MethodPut, path, SIPAccountRequest{Username: "mine", Password: "phone secret"}), http.StatusForbidden, CodeForbidden, "")
	e.must(f.adminToken, http.MethodDelete, path, nil, http.StatusNoContent, nil)
	if _, err := e.st.FindSIPAccount(ctx, "amina-phone"); err == nil {
		t.Fatal("account still there after delete")
	}

	lang := fmt.Sprintf("/api/v1/tenants/%d/language", f.tenant.ID)
	e.must(f.adminToken, http.MethodPut, lang, LanguageRequest{Language: "en"}, http.StatusNoContent, nil)
	if l, _ := e.st.TenantLanguage(ctx, f.tenant.ID); l != "en" {
		t.Fatalf("language %q", l)
	}
	if w := e.do(f.adminToken, http.MethodPut, lang, LanguageRequest{Language: "de"}); w.Code < 400 || w.Code >= 500 {
		t.Fatalf("unknown language: %d", w.Code)
	}
}

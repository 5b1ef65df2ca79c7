package api

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/media"

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

// wav16 is a 16-bit PCM WAV of a 1 kHz tone: d at rate over channels.
func wav16(rate, channels int, d time.Duration) []byte {
	n := int(d.Seconds() * float64(rate))
	var b bytes.Buffer
	data := 2 * n * channels
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(channels), uint32(rate), uint32(rate * 2 * channels), uint16(2 * channels), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data))
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/float64(rate)))
		for range channels {
			binary.Write(&b, binary.LittleEndian, v)
		}
	}
	return b.Bytes()
}

// TestMenuPromptUpload: an admin uploads a phone entry's menu prompt in a
// common recording format; it is stored as callers hear it, readable by
// supervisors, out of reach of other tenants; bad uploads are refused and
// change nothing.
func TestMenuPromptUpload(t *testing.T) {
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	g := e.fixture("globex")
	base := fmt.Sprintf("/api/v1/tenants/%d/entry-points", f.tenant.ID)
	var voice model.Queue
	e.must(f.adminToken, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/queues", f.tenant.ID), model.Queue{Name: "phone", Channel: model.ChannelVoice,
		Priority: 1, SLTargetPct: 80, SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15}, http.StatusCreated, &voice)
	var ep model.EntryPoint
	menu := &model.Menu{Options: []model.MenuOption{{Key: "1", QueueID: f.queue.ID, Label: "Support"}}}
	wantError(t, e.do(f.adminToken, http.MethodPost, base, model.EntryPoint{Kind: model.EntryPhone, Address: "1001", QueueID: voice.ID, Menu: menu}),
		http.StatusUnprocessableEntity, CodeValidationFailed, "menu.options[0].queue_id") // a chat queue
	menu.Options[0].QueueID = voice.ID
	e.must(f.adminToken, http.MethodPost, base, model.EntryPoint{Kind: model.EntryPhone, Address: "1001", QueueID: voice.ID, Menu: menu}, http.StatusCreated, &ep)
	if ep.Menu == nil || len(ep.Menu.Options) != 1 || ep.MenuPromptMS != 0 {
		t.Fatalf("created %+v", ep)
	}
	prompt := fmt.Sprintf("%s/%d/menu-prompt", base, ep.ID)
	wantError(t, e.do(f.adminToken, http.MethodGet, prompt, nil), http.StatusNotFound, CodeNotFound, "")

	// 1.5 s of 44.1 kHz stereo: stored as 1.5 s of 8 kHz mono.
	e.must(f.adminToken, http.MethodPut, prompt, wavBody(wav16(44100, 2, 1500*time.Millisecond)), http.StatusOK, &ep)
	if ep.MenuPromptMS < 1490 || ep.MenuPromptMS > 1510 {
		t.Fatalf("prompt of %d ms, want 1500", ep.MenuPromptMS)
	}
	sup := e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	w := e.do(sup, http.MethodGet, prompt, nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "audio/wav" {
		t.Fatalf("GET prompt: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	r, err := media.ReadWAV(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatalf("stored prompt: %v", err)
	}
	pcm, err := media.ReadAll(r, 0)
	if err != nil || len(pcm) != 12000 {
		t.Fatalf("stored prompt: %d samples at 8 kHz (%v), want 12000", len(pcm), err)
	}
	stored := w.Body.String()

	// Refused, and the stored prompt stays.
	wantError(t, e.do(sup, http.MethodPut, prompt, wavBody(wav16(8000, 1, time.Second))), http.StatusForbidden, CodeForbidden, "")
	wantError(t, e.do(f.adminToken, http.MethodPut, prompt, rawBody(`{"audio":"x"}`)), http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "")
	wantError(t, e.do(f.adminToken, http.MethodPut, prompt, wavBody("ID3 an mp3")), http.StatusUnprocessableEntity, CodeValidationFailed, "audio")
	wantError(t, e.do(f.adminToken, http.MethodPut, prompt, wavBody(wav16(8000, 1, 61*time.Second))), http.StatusUnprocessableEntity, CodeValidationFailed, "audio")
	wantError(t, e.do(f.adminToken, http.MethodPut, prompt, wavBody(wav16(8000, 2, 60*time.Second+time.Millisecond))), http.StatusUnprocessableEntity, CodeValidationFailed, "audio")
	e.must(f.adminToken, http.MethodPut, prompt, wavBody(wav16(16000, 2, 60*time.Second)), http.StatusOK, &ep) // the longest
	if ep.MenuPromptMS != 60000 {
		t.Fatalf("a 60 s prompt stored as %d ms", ep.MenuPromptMS)
	}
	e.must(f.adminToken, http.MethodPut, prompt, wavBody(wav16(44100, 2, 1500*time.Millisecond)), http.StatusOK, &ep)
	wantError(t, e.do(f.adminToken, http.MethodPut, prompt, wavBody(wav16(96000, 1, 100*time.Millisecond))), http.StatusUnprocessableEntity, CodeValidationFailed, "audio")
	wantError(t, e.do(f.adminToken, http.MethodPut, prompt, wavBody(make([]byte, MaxPromptUploadBytes+1))), http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "")
	chat := fmt.Sprintf("%s/%d/menu-prompt", base, f.entry.ID)
	wantError(t, e.do(f.adminToken, http.MethodPut, chat, wavBody(wav16(8000, 1, time.Second))), http.StatusUnprocessableEntity, CodeValidationFailed, "kind")
	cross := fmt.Sprintf("/api/v1/tenants/%d/entry-points/%d/menu-prompt", g.tenant.ID, ep.ID)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		wantError(t, e.do(g.adminToken, m, cross, wavBody(wav16(8000, 1, time.Second))), http.StatusNotFound, CodeNotFound, "")
		wantError(t, e.do(g.adminToken, m, prompt, wavBody(wav16(8000, 1, time.Second))), http.StatusNotFound, CodeNotFound, "")
	}
	if w := e.do(f.adminToken, http.MethodGet, prompt, nil); w.Body.String() != stored {
		t.Fatal("a refused upload changed the stored prompt")
	}

	e.must(f.adminToken, http.MethodDelete, prompt, nil, http.StatusNoContent, nil)
	wantError(t, e.do(f.adminToken, http.MethodGet, prompt, nil), http.StatusNotFound, CodeNotFound, "")
	e.must(f.adminToken, http.MethodGet, fmt.Sprintf("%s/%d", base, ep.ID), nil, http.StatusOK, &ep)
	if ep.MenuPromptMS != 0 || ep.Menu == nil {
		t.Fatalf("after deleting the prompt: %+v", ep)
	}
}

package api

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// A validation error carries a message key and its parameters beside the
// English text, so that the page can say it in its reader's language.
func TestValidationErrorsCarryAKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	path := fmt.Sprintf("/api/v1/tenants/%d/queues", f.tenant.ID)
	q := validQueueNamed(f.skill.ID, "overflowing")
	q.Overflow = model.Overflow{Action: model.OverflowQueue}
	w := e.do(f.adminToken, http.MethodPost, path, q)
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "overflow.queue_id")
	if got := apiError(t, w); got.Key != "overflow_queue_required" || got.Message != `is required when overflow.action is "queue"` {
		t.Errorf("key %q message %q", got.Key, got.Message)
	}
	q = validQueueNamed(f.skill.ID, "too much")
	q.SLTargetPct = 150
	w = e.do(f.adminToken, http.MethodPost, path, q)
	got := apiError(t, w)
	if got.Key != "sl_target" || got.Params["got"] != float64(150) || got.Message != "must be above 0 and at most 100 (got 150)" {
		t.Errorf("sl target: %+v", got)
	}
	q = validQueueNamed(f.skill.ID, "slow")
	q.OfferTimeoutSeconds = 0
	got = apiError(t, e.do(f.adminToken, http.MethodPost, path, q))
	if got.Key != "range" || got.Params["min"] != float64(1) || got.Params["max"] != float64(model.MaxOfferTimeoutSeconds) || got.Params["got"] != float64(0) {
		t.Errorf("range: %+v", got)
	}
	// A reference to a missing row, a duplicate.
	q = validQueueNamed(f.skill.ID, "nowhere")
	q.Skills = []model.SkillRequirement{{SkillID: 999999, MinLevel: 1}}
	if got := apiError(t, e.do(f.adminToken, http.MethodPost, path, q)); got.Key != "missing_ref" || got.Params["id"] != float64(999999) {
		t.Errorf("missing reference: %+v", got)
	}
	q = validQueueNamed(f.skill.ID, "nowhere")
	q.ScheduleID = ptr(int64(999999))
	if got := apiError(t, e.do(f.adminToken, http.MethodPost, path, q)); got.Key != "invalid" {
		t.Errorf("missing schedule: %+v", got)
	}
	w = e.do(f.adminToken, http.MethodPost, path, validQueueNamed(f.skill.ID, f.queue.Name))
	if got := apiError(t, w); w.Code != http.StatusConflict || got.Key != "conflict" {
		t.Errorf("duplicate: %d %+v", w.Code, got)
	}
	// An error without key leaves it out.
	w = e.do(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/queues/999999", f.tenant.ID), nil)
	if got := apiError(t, w); got.Key != "" || got.Params != nil {
		t.Errorf("not found: %+v", got)
	}
}

// Every key the model can send is in the list the web dictionaries are
// checked against.
func TestValidationKeysListed(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, k := range model.ValidationKeys() {
		known[k] = true
	}
	cases := []error{
		(&model.Queue{Name: "q", Channel: model.ChannelChat, SLTargetPct: 150}).Validate(),
		(&model.Retention{RecordingDays: 365}).Validate(),
		(&model.Reason{Code: "Bad"}).Validate(),
		(&model.WidgetSettings{Colour: "#ffffff", TextColour: "#eeeeee"}).Validate(),
		(&model.WidgetSettings{LogoURL: "javascript:alert(1)"}).Validate(),
		(&model.User{Login: "x y"}).Validate(),
		model.ValidatePassword("short"),
	}
	for i, err := range cases {
		ve, ok := model.AsValidationError(err)
		if !ok || ve.Key == "" || !known[ve.Key] {
			t.Errorf("case %d: %v: key %q not listed", i, err, ve.Key)
		}
	}
}

func TestDeskListsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	base := fmt.Sprintf("/api/v1/tenants/%d/", f.tenant.ID)
	var d model.Reason
	e.must(f.adminToken, http.MethodPost, base+"dispositions", model.Reason{Code: "sale", Label: "Vente", Position: 1}, http.StatusCreated, &d)
	wantError(t, e.do(f.adminToken, http.MethodPost, base+"dispositions", model.Reason{Code: "sale", Label: "Encore"}), http.StatusConflict, CodeConflict, "")
	w := e.do(f.adminToken, http.MethodPost, base+"not-ready-reasons", model.Reason{Code: "Pause Café", Label: "Pause"})
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "code")
	if got := apiError(t, w); got.Key != "list_code" {
		t.Errorf("key %q", got.Key)
	}
	agent := e.userCred(&f.tenant.ID, "amina", model.RoleAgent, &f.agent.ID)
	wantError(t, e.do(agent, http.MethodPost, base+"dispositions", model.Reason{Code: "x", Label: "x"}), http.StatusForbidden, CodeForbidden, "")
	var lists DeskLists
	e.must(agent, http.MethodGet, "/api/v1/me/desk-lists", nil, http.StatusOK, &lists)
	if len(lists.Dispositions) != 2 || lists.Dispositions[0].Code != "resolved" || lists.Dispositions[1].Code != "sale" ||
		len(lists.NotReadyReasons) != 1 || lists.NotReadyReasons[0].Label != "Déjeuner" {
		t.Errorf("desk lists %+v", lists)
	}
	other := e.fixture("globex")
	e.must(other.adminToken, http.MethodGet, "/api/v1/me/desk-lists", nil, http.StatusOK, &lists)
	if len(lists.Dispositions) != 1 || lists.Dispositions[0].ID != other.disposition.ID {
		t.Errorf("another tenant's desk lists %+v", lists)
	}
	e.must(e.platformToken(), http.MethodGet, "/api/v1/me/desk-lists", nil, http.StatusOK, &lists)
	if len(lists.Dispositions) != 0 || len(lists.NotReadyReasons) != 0 {
		t.Errorf("the platform's desk lists %+v", lists)
	}
}

func TestWidgetSettingsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	path := fmt.Sprintf("/api/v1/tenants/%d/entry-points/%d/widget", f.tenant.ID, f.entry.ID)
	in := model.WidgetSettings{Colour: "#7a1f3d", TextColour: "#ffffff", LogoURL: "/static/favicon.svg", Greeting: "Bonjour !", ClosedText: "Fermé : écrivez-nous."}
	var got model.WidgetSettings
	e.must(f.adminToken, http.MethodPut, path, in, http.StatusOK, &got)
	in.EntryPointID = f.entry.ID
	if got != in {
		t.Errorf("set %+v, want %+v", got, in)
	}
	if ch := e.takeChanges(); len(ch) == 0 || ch[len(ch)-1].Kind != KindWidget {
		t.Errorf("changes %+v", ch)
	}
	e.must(cred{}, http.MethodGet, "/api/v1/widget?entry="+f.entry.Address, nil, http.StatusOK, &got)
	in.EntryPointID = 0
	if got != in {
		t.Errorf("public %+v, want %+v", got, in)
	}
	wantError(t, e.do(cred{}, http.MethodGet, "/api/v1/widget?entry=nobody", nil), http.StatusNotFound, CodeNotFound, "")
	wantError(t, e.do(cred{}, http.MethodGet, "/api/v1/widget?entry=../x", nil), http.StatusNotFound, CodeNotFound, "")
	w := e.do(f.adminToken, http.MethodPut, path, model.WidgetSettings{Colour: "#ffff00", TextColour: "#ffffff"})
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "text_colour")
	if got := apiError(t, w); got.Key != "contrast" {
		t.Errorf("contrast: %+v", got)
	}
	wantError(t, e.do(f.adminToken, http.MethodPut, path, model.WidgetSettings{LogoURL: "javascript:alert(1)"}), http.StatusUnprocessableEntity, CodeValidationFailed, "logo_url")
	sup := e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	wantError(t, e.do(sup, http.MethodPut, path, in), http.StatusForbidden, CodeForbidden, "")
	e.must(sup, http.MethodGet, path, nil, http.StatusOK, &got)
}

func TestTenantLanguageAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	path := fmt.Sprintf("/api/v1/tenants/%d/language", f.tenant.ID)
	var l Language
	e.must(f.adminToken, http.MethodGet, path, nil, http.StatusOK, &l)
	if l.Language != "fr" {
		t.Errorf("default %q", l.Language)
	}
	e.must(f.adminToken, http.MethodPut, path, LanguageRequest{Language: "en"}, http.StatusNoContent, nil)
	e.must(f.adminToken, http.MethodGet, path, nil, http.StatusOK, &l)
	if l.Language != "en" {
		t.Errorf("set %q", l.Language)
	}
}

// The preview says what the erasure will erase and changes nothing.
func TestErasurePreviewAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	ctx := testCtx(t)
	id, err := e.st.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelChat,
		Customer: model.Customer{Name: "Ada", ExternalID: "C-42"}, ArrivedAt: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.UpdateInteractionState(ctx, f.tenant.ID, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: e.clock.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var p ErasurePreview
	e.must(f.adminToken, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/erasure/preview", f.tenant.ID), ErasureRequest{CustomerID: "C-42"}, http.StatusOK, &p)
	if p.Interactions != 1 || len(p.IDs) != 1 || p.IDs[0] != id {
		t.Errorf("preview %+v", p)
	}
	in, err := e.st.GetInteraction(ctx, f.tenant.ID, id)
	if err != nil || in.Customer.Name != "Ada" {
		t.Errorf("the preview changed the interaction: %+v %v", in.Customer, err)
	}
	w := e.do(f.adminToken, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/erasure/preview", f.tenant.ID), ErasureRequest{})
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "phone")
	if got := apiError(t, w); got.Key != "erasure_key" {
		t.Errorf("key %q", got.Key)
	}
}

// The audit log exports as CSV: every matching line, past the page limit.
func TestAuditCSVExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	ctx := testCtx(t)
	for i := range store.MaxAuditLimit + 5 {
		if err := e.st.AppendAudit(ctx, model.AuditEntry{TenantID: &f.tenant.ID, At: e.clock.Now(), Actor: fmt.Sprintf("user %d (=cmd)", i%3),
			Address: "192.0.2.1", Action: "getInteraction", Target: "interactions", TargetID: ptr(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	w := e.do(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/audit?format=csv&actor=user+1&action=getInteraction", f.tenant.ID), nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := 1 + (store.MaxAuditLimit+5)/3 // the header, then lines 1, 4, 7...
	if len(rows) != want || strings.Join(rows[0], ",") != strings.Join(auditCSVHeader, ",") || rows[1][2] != "user 1 (=cmd)" || rows[1][6] != "1" {
		t.Fatalf("%d rows (want %d), first %v %v", len(rows), want, rows[0], rows[1])
	}
	wantError(t, e.do(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/audit?format=xml", f.tenant.ID), nil), http.StatusBadRequest, CodeBadRequest, "format")
	if got := csvSafe("=HYPERLINK(1)"); got != "'=HYPERLINK(1)" {
		t.Errorf("csvSafe %q", got)
	}
}

// Disabling a user ends its sessions at once and refuses its sign-in;
// enabling it again and setting a password lets it back in.
func TestDisabledUserIsOutAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	f := e.fixture("acme")
	sup := e.userCred(&f.tenant.ID, "nadia", model.RoleSupervisor, nil)
	e.must(sup, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil)
	var u model.User
	var users []model.User
	e.must(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/users", f.tenant.ID), nil, http.StatusOK, &users)
	for _, x := range users {
		if x.Login == "nadia" {
			u = x
		}
	}
	path := fmt.Sprintf("/api/v1/tenants/%d/users/%d", f.tenant.ID, u.ID)
	u.Disabled = true
	e.takeChanges()
	e.must(f.adminToken, http.MethodPut, path, u, http.StatusOK, &u)
	if !u.Disabled {
		t.Fatalf("not disabled: %+v", u)
	}
	if ch := e.takeChanges(); len(ch) != 1 || ch[0].Kind != KindUser || ch[0].ID != u.ID {
		t.Errorf("changes %+v: the live center is not told", ch)
	}
	wantError(t, e.do(sup, http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, CodeUnauthenticated, "")
	wantError(t, e.do(cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "nadia", Password: testPassword}), http.StatusUnauthorized, CodeInvalidCredential, "")
	u.Disabled = false
	e.must(f.adminToken, http.MethodPut, path, u, http.StatusOK, nil)
	wantError(t, e.do(cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "nadia", Password: testPassword}), http.StatusUnauthorized, CodeInvalidCredential, "")
	e.must(f.adminToken, http.MethodPost, path+"/password", PasswordRequest{Password: "a brand new password"}, http.StatusNoContent, nil)
	e.login("nadia", "a brand new password")
}

// An open wallboard stream ends at once when its person is removed: the
// user deleted, disabled, its password set, its role changed, or the API
// token revoked.
func TestStreamsEndWhenAPersonIsRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	e.goLive(a)
	srv := httptest.NewServer(e.api.Handler())
	defer srv.Close()
	ctx := testCtx(t)
	users := fmt.Sprintf("/api/v1/tenants/%d/users", a.tenant.ID)
	userID := func(login string) int64 {
		var list []model.User
		e.must(a.adminToken, http.MethodGet, users, nil, http.StatusOK, &list)
		for _, u := range list {
			if u.Login == login {
				return u.ID
			}
		}
		t.Fatalf("no user %s", login)
		return 0
	}
	cases := []struct {
		name   string
		cred   func() cred
		remove func(c cred)
	}{
		{"deleted", func() cred { return e.userCred(&a.tenant.ID, "s-del", model.RoleSupervisor, nil) }, func(cred) {
			e.must(a.adminToken, http.MethodDelete, fmt.Sprintf("%s/%d", users, userID("s-del")), nil, http.StatusNoContent, nil)
		}},
		{"disabled", func() cred { return e.userCred(&a.tenant.ID, "s-off", model.RoleSupervisor, nil) }, func(cred) {
			e.must(a.adminToken, http.MethodPut, fmt.Sprintf("%s/%d", users, userID("s-off")),
				model.User{Login: "s-off", DisplayName: "s-off", Role: model.RoleSupervisor, Disabled: true}, http.StatusOK, nil)
		}},
		{"password set", func() cred { return e.userCred(&a.tenant.ID, "s-pw", model.RoleSupervisor, nil) }, func(cred) {
			e.must(a.adminToken, http.MethodPost, fmt.Sprintf("%s/%d/password", users, userID("s-pw")), PasswordRequest{Password: "another long password"}, http.StatusNoContent, nil)
		}},
		{"role changed", func() cred { return e.userCred(&a.tenant.ID, "s-role", model.RoleSupervisor, nil) }, func(cred) {
			e.must(a.adminToken, http.MethodPut, fmt.Sprintf("%s/%d", users, userID("s-role")),
				model.User{Login: "s-role", DisplayName: "s-role", Role: model.RoleAgent, AgentID: &a.agent.ID}, http.StatusOK, nil)
		}},
		{"token revoked", func() cred {
			tok, plain, err := e.st.CreateToken(ctx, &a.tenant.ID, "wallboard screen")
			if err != nil {
				t.Fatal(err)
			}
			return cred{name: fmt.Sprint(tok.ID), bearer: plain}
		}, func(c cred) {
			e.must(a.adminToken, http.MethodDelete, "/api/v1/tokens/"+c.name, nil, http.StatusNoContent, nil)
		}},
	}
	for _, tc := range cases {
		c := tc.cred()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/tenants/%d/wallboard/stream", srv.URL, a.tenant.ID), nil)
		c.apply(req)
		resp, err := srv.Client().Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: stream: %v %v", tc.name, err, resp)
		}
		rd := bufio.NewReader(resp.Body)
		if _, err := sseEvent(t, rd); err != nil {
			t.Fatalf("%s: first event: %v", tc.name, err)
		}
		tc.remove(c)
		for {
			if _, err := sseEvent(t, rd); err != nil {
				if err != io.EOF {
					t.Errorf("%s: stream after the removal: %v", tc.name, err)
				}
				break
			}
		}
		resp.Body.Close()
	}
}

// Reads of customers' and people's data go to the audit log: the contacts
// search (and its CSV), the abandoned list, the users.
func TestPersonalReadsAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	base := fmt.Sprintf("/api/v1/tenants/%d", f.tenant.ID)
	e.must(f.adminToken, http.MethodGet, base+"/interactions?customer=ada@example.com", nil, http.StatusOK, nil)
	w := e.do(f.adminToken, http.MethodGet, base+"/interactions?format=csv", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("CSV: %d", w.Code)
	}
	e.must(f.adminToken, http.MethodGet, base+"/reports/abandoned", nil, http.StatusOK, nil)
	e.must(f.adminToken, http.MethodGet, base+"/users", nil, http.StatusOK, nil)
	e.must(f.adminToken, http.MethodGet, fmt.Sprintf("%s/users/%d", base, f.admin.ID), nil, http.StatusOK, nil)
	var log []model.AuditEntry
	e.must(f.adminToken, http.MethodGet, base+"/audit", nil, http.StatusOK, &log)
	count := map[string]int{}
	for _, l := range log {
		count[l.Action]++
		if l.Action == "getUser" && (l.TargetID == nil || *l.TargetID != f.admin.ID) {
			t.Errorf("getUser line %+v", l)
		}
	}
	if count["searchInteractions"] != 2 || count["reportAbandoned"] != 1 || count["listUsers"] != 1 || count["getUser"] != 1 {
		t.Errorf("audit lines %v", count)
	}
}

package live

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// postSurvey posts body to the entry's survey and returns the status and
// the error code (empty on success).
func postSurvey(t *testing.T, l *live, entry, contentType, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodPost, l.srv.URL+"/chat/"+entry+"/survey", strings.NewReader(body))
	must(t, err, "request")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := l.srv.Client().Do(req)
	must(t, err, "post survey")
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, "", ""
	}
	var e surveyError
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" ||
		resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("survey answered %d without a JSON error (%v)", resp.StatusCode, err)
	}
	return resp.StatusCode, e.Error.Code, e.Error.Field
}

func survey(token string, score int, comment string) string {
	b, _ := json.Marshal(surveyRequest{Token: token, Score: score, Comment: comment})
	return string(b)
}

func TestSurvey(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	ctx := testCtx(t)
	other := seedTenant(t, st, "globex")
	_, err := st.CreateEntryPoint(ctx, other.tenant, model.EntryPoint{Kind: model.EntryChat, Address: "globex", QueueID: other.queue})
	must(t, err, "other entry point")
	l := startCenter(t, st, Options{})

	ada, qa := startChat(t, l, "Ada", "")
	token, ida := qa.str("resume_token"), qa.num("contact_id")
	bob, qb := startChat(t, l, "Bob", "")
	bobToken := qb.str("resume_token")

	// Before an answer there is nothing to rate.
	if status, code, _ := postSurvey(t, l, entryAddress, "application/json", survey(token, 5, "")); status != http.StatusConflict || code != surveyNotAnswered {
		t.Fatalf("survey while waiting: %d %s", status, code)
	}
	bob.send(frame{"type": "leave"})
	if f := bob.expect("ended"); f["survey"] != nil {
		t.Fatalf("abandoned contact's ended frame %v offers a survey", f)
	}
	if status, code, _ := postSurvey(t, l, entryAddress, "application/json", survey(bobToken, 5, "")); status != http.StatusConflict || code != surveyNotAnswered {
		t.Fatalf("survey of an abandoned contact: %d %s", status, code)
	}

	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	ag.expect("offer", func(f frame) bool { return f.num("contact_id") == ida })
	ag.send(frame{"type": "accept", "contact_id": ida})
	ada.expect("connected")
	ag.send(frame{"type": "end", "contact_id": ida})
	if f := ag.expect("ended"); f["wrap_up"] != false || f["wrap_up_seconds"] != float64(0) {
		t.Fatalf("agent's ended frame %v, want no wrap-up (wrap_up_seconds 0)", f)
	}
	if f := ada.expect("ended"); f["survey"] != true {
		t.Fatalf("answered contact's ended frame %v, want survey true", f)
	}
	// A customer coming back after the end is offered the survey too.
	back := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "Ada again")
	back.send(frame{"type": "resume", "token": token})
	if f := back.expect("ended"); f["survey"] != true {
		t.Fatalf("resumed ended frame %v, want survey true", f)
	}

	long := strings.Repeat("à", model.MaxSurveyCommentLen+1)
	for _, tc := range []struct {
		name, entry, ct, body string
		status                int
		code, field           string
	}{
		{"unknown entry", "nope", "application/json", survey(token, 5, ""), http.StatusNotFound, surveyNotFound, ""},
		{"not JSON", entryAddress, "application/json", "score=5", http.StatusBadRequest, surveyBadRequest, ""},
		{"form", entryAddress, "application/x-www-form-urlencoded", survey(token, 5, ""), http.StatusBadRequest, surveyBadRequest, ""},
		{"unknown field", entryAddress, "application/json", `{"token":"x","score":5,"stars":5}`, http.StatusBadRequest, surveyBadRequest, ""},
		{"two objects", entryAddress, "application/json", survey(token, 5, "") + "{}", http.StatusBadRequest, surveyBadRequest, ""},
		{"no token", entryAddress, "application/json", survey("", 5, ""), http.StatusUnprocessableEntity, surveyInvalid, "token"},
		{"score 0", entryAddress, "application/json", survey(token, 0, ""), http.StatusUnprocessableEntity, surveyInvalid, "score"},
		{"score 6", entryAddress, "application/json", survey(token, 6, ""), http.StatusUnprocessableEntity, surveyInvalid, "score"},
		{"long comment", entryAddress, "application/json", survey(token, 4, long), http.StatusUnprocessableEntity, surveyInvalid, "comment"},
		{"unknown token", entryAddress, "application/json", survey("not-a-token", 4, ""), http.StatusNotFound, surveyUnknown, ""},
		{"another tenant's entry", "globex", "application/json", survey(token, 4, ""), http.StatusNotFound, surveyUnknown, ""},
	} {
		status, code, field := postSurvey(t, l, tc.entry, tc.ct, tc.body)
		if status != tc.status || code != tc.code || field != tc.field {
			t.Errorf("%s: %d %s (field %q), want %d %s (field %q)", tc.name, status, code, field, tc.status, tc.code, tc.field)
		}
	}
	in, err := st.GetInteraction(ctx, fx.tenant, ida)
	must(t, err, "get")
	if in.CSATScore != nil {
		t.Fatalf("a refused survey was stored: %v", *in.CSATScore)
	}

	comment := strings.Repeat("é", model.MaxSurveyCommentLen)
	if status, code, _ := postSurvey(t, l, entryAddress, "application/json; charset=utf-8", survey(token, 4, comment)); status != http.StatusNoContent {
		t.Fatalf("survey: %d %s", status, code)
	}
	if status, code, _ := postSurvey(t, l, entryAddress, "application/json", survey(token, 1, "")); status != http.StatusConflict || code != surveyRated {
		t.Fatalf("second survey: %d %s", status, code)
	}
	in, err = st.GetInteraction(ctx, fx.tenant, ida)
	must(t, err, "get")
	if in.CSATScore == nil || *in.CSATScore != 4 || in.CSATComment != comment {
		t.Fatalf("stored survey %v %q", in.CSATScore, in.CSATComment)
	}
	// Once rated, coming back offers no survey.
	again := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "Ada once more")
	again.send(frame{"type": "resume", "token": token})
	if f := again.expect("ended"); f["survey"] != nil {
		t.Fatalf("ended frame after rating %v offers a survey", f)
	}
}

func TestSurveyCORS(t *testing.T) {
	t.Parallel()
	ask := func(l *live, method, origin string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(testCtx(t), method, l.srv.URL+"/chat/"+entryAddress+"/survey", strings.NewReader(survey("nope", 3, "")))
		must(t, err, "request")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		if method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		resp, err := l.srv.Client().Do(req)
		must(t, err, "send")
		resp.Body.Close()
		return resp
	}
	// Any origin without patterns: the widget may live on the brand's site.
	open := startCenter(t, openSQLite(t, tempDB(t)), Options{})
	seed(t, open.c.st, 1, 0)
	if r := ask(open, http.MethodOptions, "https://shop.example"); r.StatusCode != http.StatusNoContent ||
		r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Access-Control-Allow-Headers") != "Content-Type" {
		t.Fatalf("preflight: %d %v", r.StatusCode, r.Header)
	}
	if r := ask(open, http.MethodPost, "https://shop.example"); r.StatusCode != http.StatusNotFound || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("cross-origin post: %d %v", r.StatusCode, r.Header)
	}
	// With patterns, only matching origins.
	st := openSQLite(t, tempDB(t))
	seed(t, st, 1, 0)
	strict := startCenter(t, st, Options{OriginPatterns: []string{"*.example.com"}})
	if r := ask(strict, http.MethodOptions, "https://www.example.com"); r.StatusCode != http.StatusNoContent ||
		r.Header.Get("Access-Control-Allow-Origin") != "https://www.example.com" {
		t.Fatalf("allowed preflight: %d %v", r.StatusCode, r.Header)
	}
	for _, m := range []string{http.MethodOptions, http.MethodPost} {
		if r := ask(strict, m, "https://evil.example"); r.StatusCode != http.StatusForbidden || r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%s from another origin: %d %v", m, r.StatusCode, r.Header)
		}
	}
}

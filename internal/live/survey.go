package live

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// maxSurveyBody bounds a survey request's body.
const maxSurveyBody = 16 << 10

// surveyRequest is the body of POST /chat/{entry}/survey.
type surveyRequest struct {
	Token   string `json:"token"`
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// Survey error codes (the "code" of the JSON error).
const (
	surveyBadRequest  = "bad_request"
	surveyNotFound    = "not_found"
	surveyUnknown     = "unknown_token"
	surveyNotAnswered = "not_answered"
	surveyRated       = "already_rated"
	surveyInvalid     = "invalid"
	surveyUnavailable = "unavailable"
	surveyForbidden   = "forbidden"
)

type surveyError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

func writeSurveyError(w http.ResponseWriter, status int, code, field, msg string) {
	var e surveyError
	e.Error.Code, e.Error.Message, e.Error.Field = code, msg, field
	b, _ := json.Marshal(e) // strings only
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// allowOrigin lets a page of another site (a widget embedded there) call
// the survey, on the same rule as the chat's WebSocket handshake: any
// origin without Options.OriginPatterns (no cookie is involved, only the
// customer's token), else those whose host matches a pattern. It sets the
// CORS header and reports whether the origin is allowed.
func (c *Center) allowOrigin(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a cross-origin browser request
	}
	w.Header().Add("Vary", "Origin")
	if len(c.origins) == 0 {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Host)
	allowed := host == strings.ToLower(r.Host) // same site
	for _, p := range c.origins {
		if ok, _ := path.Match(strings.ToLower(p), host); ok {
			allowed = true
		}
	}
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
	return allowed
}

// surveyPreflight answers a browser's CORS preflight for the survey.
func (c *Center) surveyPreflight(w http.ResponseWriter, r *http.Request) {
	if !c.allowOrigin(w, r) {
		writeSurveyError(w, http.StatusForbidden, surveyForbidden, "", "this origin may not post surveys")
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// serveSurvey records a chat customer's rating of an answered
// conversation: POST /chat/{entry}/survey with {"token","score","comment"},
// the token being the conversation's resume token. 204 when stored; errors
// are {"error":{"code","message","field"}}: 400 bad_request (not JSON),
// 403 forbidden (an origin outside Options.OriginPatterns), 404 not_found
// (entry point) or unknown_token, 409 not_answered or already_rated, 422
// invalid (field: token, score or comment).
func (c *Center) serveSurvey(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !c.allowOrigin(w, r) {
		writeSurveyError(w, http.StatusForbidden, surveyForbidden, "", "this origin may not post surveys")
		return
	}
	ep, err := c.resolveChatEntry(ctx, r.PathValue("entry"))
	if errors.Is(err, store.ErrNotFound) {
		writeSurveyError(w, http.StatusNotFound, surveyNotFound, "", "no such chat")
		return
	}
	if err != nil {
		c.log.Error("survey: resolve chat entry point", "err", err)
		writeSurveyError(w, http.StatusServiceUnavailable, surveyUnavailable, "", "try again later")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeSurveyError(w, http.StatusBadRequest, surveyBadRequest, "", "send the survey as application/json")
		return
	}
	var in surveyRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSurveyBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeSurveyError(w, http.StatusBadRequest, surveyBadRequest, "", "the body must be a JSON object {token, score, comment}: "+err.Error())
		return
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		writeSurveyError(w, http.StatusBadRequest, surveyBadRequest, "", "the body must hold a single JSON object")
		return
	}
	if err := model.CheckControl(in); err != nil {
		ve, _ := model.AsValidationError(err)
		writeSurveyError(w, http.StatusUnprocessableEntity, surveyInvalid, ve.Field, ve.Message)
		return
	}
	in.Token = strings.TrimSpace(in.Token)
	if in.Token == "" {
		writeSurveyError(w, http.StatusUnprocessableEntity, surveyInvalid, "token", "the conversation's resume token is required")
		return
	}
	sv := model.Survey{Score: in.Score, Comment: in.Comment}
	if err := sv.Validate(); err != nil {
		field, msg := "", err.Error()
		if ve, ok := model.AsValidationError(err); ok {
			field, msg = ve.Field, ve.Message
		}
		writeSurveyError(w, http.StatusUnprocessableEntity, surveyInvalid, field, msg)
		return
	}
	contact, err := c.findByResumeToken(ctx, ep, in.Token)
	if errors.Is(err, store.ErrNotFound) {
		writeSurveyError(w, http.StatusNotFound, surveyUnknown, "", "no conversation with this token")
		return
	}
	if err == nil {
		err = c.st.SetSurvey(ctx, ep.TenantID, contact.ID, sv.Score, sv.Comment)
	}
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, store.ErrNotAnswered):
		writeSurveyError(w, http.StatusConflict, surveyNotAnswered, "", "this conversation was never answered: there is nothing to rate")
	case errors.Is(err, store.ErrAlreadySurveyed):
		writeSurveyError(w, http.StatusConflict, surveyRated, "", "this conversation was already rated")
	default:
		c.log.Error("survey: store", "err", err)
		writeSurveyError(w, http.StatusServiceUnavailable, surveyUnavailable, "", "not stored, try again later")
	}
}

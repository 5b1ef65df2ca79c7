package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// ErrorCode is the stable, machine-readable name of an API error. Clients
// branch on the code, never on the message.
type ErrorCode string

// The API's error codes; Catalogue describes each one.
const (
	CodeBadRequest        ErrorCode = "bad_request"
	CodeBadJSON           ErrorCode = "bad_json"
	CodeUnknownField      ErrorCode = "unknown_field"
	CodeBodyTooLarge      ErrorCode = "body_too_large"
	CodeUnsupportedMedia  ErrorCode = "unsupported_media_type"
	CodeValidationFailed  ErrorCode = "validation_failed"
	CodeUnauthenticated   ErrorCode = "unauthenticated"
	CodeInvalidCredential ErrorCode = "invalid_credentials"
	CodeForbidden         ErrorCode = "forbidden"
	CodeCSRFFailed        ErrorCode = "csrf_failed"
	CodeNotFound          ErrorCode = "not_found"
	CodeMethodNotAllowed  ErrorCode = "method_not_allowed"
	CodeConflict          ErrorCode = "conflict"
	CodeRateLimited       ErrorCode = "rate_limited"
	CodeInternal          ErrorCode = "internal"
	CodeUnavailable       ErrorCode = "unavailable"
	// CodeRetroactive: a contract change reaching into an invoiced month (billing).
	CodeRetroactive ErrorCode = "retroactive_change"
)

// ErrorDef is one entry of the error catalogue: a code, the HTTP status it
// is sent with and what it means.
type ErrorDef struct {
	Code        ErrorCode `json:"code"`
	Status      int       `json:"status"`
	Description string    `json:"description"`
}

// Catalogue returns every error the API can send, in a fixed order. It is the
// single source of the code-to-status mapping and is published in the OpenAPI
// document.
func Catalogue() []ErrorDef {
	return []ErrorDef{
		{CodeBadRequest, http.StatusBadRequest, "The request is malformed (a bad path id or query parameter)."},
		{CodeBadJSON, http.StatusBadRequest, "The body is not valid JSON, is empty, has trailing data, or a value has the wrong type."},
		{CodeUnknownField, http.StatusBadRequest, "The body has a field the endpoint does not know; field names it."},
		{CodeBodyTooLarge, http.StatusRequestEntityTooLarge, "The body is larger than the endpoint takes: 1 MiB of JSON, 16 MiB of audio."},
		{CodeUnsupportedMedia, http.StatusUnsupportedMediaType, "The body must be sent with Content-Type: application/json (audio/wav for a recorded prompt)."},
		{CodeValidationFailed, http.StatusUnprocessableEntity, "A field has an invalid value or refers to a missing row; field names it when known."},
		{CodeUnauthenticated, http.StatusUnauthorized, "No valid credential: send a session cookie or an Authorization: Bearer token."},
		{CodeInvalidCredential, http.StatusUnauthorized, "Unknown login or wrong password."},
		{CodeForbidden, http.StatusForbidden, "The credential's role does not allow this request."},
		{CodeCSRFFailed, http.StatusForbidden, "A state-changing request authenticated by cookie lacks the X-CSRF-Token header of its session."},
		{CodeNotFound, http.StatusNotFound, "No such resource, or not in the caller's tenant."},
		{CodeMethodNotAllowed, http.StatusMethodNotAllowed, "The path exists but not with this method; see the Allow header."},
		{CodeConflict, http.StatusConflict, "A uniqueness rule was violated, or the resource is still referenced by others."},
		{CodeRateLimited, http.StatusTooManyRequests, "Too many attempts; retry after the Retry-After header's seconds."},
		{CodeInternal, http.StatusInternalServerError, "An unexpected failure; it is logged with the request id."},
		{CodeUnavailable, http.StatusServiceUnavailable, "The request was cancelled or timed out before it completed."},
		{CodeRetroactive, http.StatusConflict, "A contract change would take effect in a month already invoiced: prices and discounts change only after the last invoiced month; field names the date."},
	}
}

// lookupCode returns the catalogue entry of code; an unknown code is
// reported as internal, so a typo can never send a 200.
func lookupCode(code ErrorCode) ErrorDef {
	var internal ErrorDef
	for _, d := range Catalogue() {
		if d.Code == code {
			return d
		}
		if d.Code == CodeInternal {
			internal = d
		}
	}
	return internal
}

// Error is an API error about to be sent: a catalogue code with a message
// for this occurrence and, for input errors, the offending field.
type Error struct {
	Code    ErrorCode
	Message string
	Field   string
	// Key and Params name the message for translation (a page says it in
	// its reader's language: "verr.<key>" in the web dictionaries); empty
	// when the message has none.
	Key    string
	Params model.Params
	// Err is the underlying cause, logged for internal errors, never sent.
	Err error
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		msg += " (field " + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// apiErr makes an Error of code with a formatted message.
func apiErr(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// fieldErr makes an Error about one field.
func fieldErr(code ErrorCode, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// toAPIError maps any error a handler returns to the catalogue: API errors
// pass through, model and store errors get their code, anything else is
// internal.
func toAPIError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	if ve, ok := model.AsValidationError(err); ok {
		return &Error{Code: CodeValidationFailed, Field: ve.Field, Message: ve.Message, Key: ve.Key, Params: ve.Params, Err: err}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: CodeNotFound, Message: "no such resource", Err: err}
	case errors.Is(err, store.ErrConflict):
		return &Error{Code: CodeConflict, Message: "conflicts with existing data (a duplicate, or still referenced)", Key: "conflict", Err: err}
	case errors.Is(err, store.ErrInvalid):
		return &Error{Code: CodeValidationFailed, Message: "invalid input or a reference to a missing row", Key: "invalid", Err: err}
	case errors.Is(err, store.ErrInvalidCredentials):
		return &Error{Code: CodeInvalidCredential, Message: "unknown login or wrong password", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: CodeUnavailable, Message: "the request was cancelled or timed out", Err: err}
	}
	return &Error{Code: CodeInternal, Message: "internal error", Err: err}
}

// ErrorBody is the "error" member of every error response.
type ErrorBody struct {
	Code    ErrorCode `json:"code"`
	Message string    `json:"message"`
	Status  int       `json:"status"`
	Field   string    `json:"field,omitempty"`
	// Key names the message for translation ("range", "overflow_queue_required"),
	// Params are the values it refers to ({"min": 1, "max": 10}); both are
	// left out when the message has none, and Message says it in English.
	Key       string         `json:"key,omitempty"`
	Params    map[string]any `json:"params,omitempty"`
	RequestID string         `json:"request_id"`
}

// ErrorResponse is the body of every error response.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

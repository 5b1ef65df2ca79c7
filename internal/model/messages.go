package model

import "fmt"

// Params are the values a validation message's key refers to by name
// ({max}, {got}, ...).
type Params map[string]any

// invalidKey is invalid with a message key and its parameters, so that a
// page can say the message in its reader's language (the web dictionaries
// hold "verr.<key>"); the English message stays for API clients and logs.
func invalidKey(field, key string, p Params, format string, args ...any) error {
	return &ValidationError{Field: field, Key: key, Params: p, Message: fmt.Sprintf(format, args...)}
}

// Keyed returns a ValidationError with a message key; other packages (the
// store, the API) use it for the checks they make themselves.
func Keyed(field, key string, p Params, message string) *ValidationError {
	return &ValidationError{Field: field, Key: key, Params: p, Message: message}
}

// ValidationKeys lists every message key a ValidationError may carry; each
// must be translated in the web dictionaries as "verr.<key>" (a test of
// internal/web checks it).
func ValidationKeys() []string {
	return []string{
		"required", "utf8", "too_long", "id", "range", "negative", "number", "one_of", "control",
		"country", "cost_negative", "login_format", "tenant_required", "agent_required", "agent_only",
		"password_short", "password_long", "slug_format", "retention_days", "recording_days",
		"sl_target", "positive", "relax_after", "duplicate_tier", "recording_days_needed",
		"overflow_queue_required", "overflow_queue_self", "overflow_queue_unused", "duplicate_skill",
		"time_format", "time_order", "overlap", "date_format", "duplicate_date",
		"zone_required", "zone_local", "zone_unknown", "code_format", "capacity_needed", "duplicate_queue",
		"menu_too_many", "menu_key_zero", "menu_key", "menu_key_twice", "address_chat", "address_phone",
		"address_format", "menu_phone_only", "missing_ref", "erasure_key", "colour", "contrast", "logo_url",
		"list_code", "widget_chat_only", "conflict", "invalid",
		"money_format", "money_decimals", "money_range",
		"pseudonym_format",
	}
}

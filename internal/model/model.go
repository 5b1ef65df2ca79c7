// Package model holds Plateau's domain types: plain structs with JSON tags,
// shared by the storage layer and the REST API.
//
// Every type the API accepts as input has a Validate method. Validate checks
// the value on its own (formats, ranges, known enums); checks that need the
// database, such as whether a referenced skill belongs to the same tenant, are
// left to the store.
package model

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	// Validate resolves IANA time zones; embedding the database makes that
	// work on hosts without /usr/share/zoneinfo (containers, Windows).
	_ "time/tzdata"
)

// ValidationError reports one invalid field of an input value.
type ValidationError struct {
	// Field is the JSON path of the offending field, e.g. "skills[2].min_level".
	Field string
	// Message says what is wrong, e.g. "must be between 1 and 10".
	Message string
	// Key names the message for translation ("range"), Params its values
	// ({"min": 1, "max": 10, "got": 12}); empty when the message has none.
	Key    string
	Params Params
}

func (e *ValidationError) Error() string {
	return e.Field + ": " + e.Message
}

// AsValidationError returns the ValidationError in err's chain, if any.
func AsValidationError(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

func indexed(field string, i int, sub string) string {
	if sub == "" {
		return fmt.Sprintf("%s[%d]", field, i)
	}
	return fmt.Sprintf("%s[%d].%s", field, i, sub)
}

// Maximum lengths of free-text fields, in characters.
const (
	MaxNameLen    = 100
	MaxTextLen    = 2000
	MaxBodyLen    = 10000
	MaxAddressLen = 64
)

func checkName(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return invalidKey(field, "required", nil, "must not be empty")
	}
	return checkText(field, v, MaxNameLen)
}

func checkText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return invalidKey(field, "utf8", nil, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return invalidKey(field, "too_long", Params{"max": max, "got": n}, "must be at most %d characters (got %d)", max, n)
	}
	return nil
}

func checkID(field string, id int64) error {
	if id <= 0 {
		return invalidKey(field, "id", nil, "must be a positive id")
	}
	return nil
}

func checkOptionalID(field string, id *int64) error {
	if id == nil {
		return nil
	}
	return checkID(field, *id)
}

func checkRange(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return invalidKey(field, "range", Params{"min": lo, "max": hi, "got": v}, "must be between %d and %d (got %d)", lo, hi, v)
	}
	return nil
}

func checkNonNegative(field string, v int) error {
	if v < 0 {
		return invalidKey(field, "negative", Params{"got": v}, "must not be negative (got %d)", v)
	}
	return nil
}

func checkFinite(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return invalidKey(field, "number", nil, "must be a finite number")
	}
	return nil
}

func checkEnum[T ~string](field string, v T, known []T) error {
	for _, k := range known {
		if v == k {
			return nil
		}
	}
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = string(k)
	}
	return invalidKey(field, "one_of", Params{"values": strings.Join(names, ", "), "got": string(v)}, "must be one of %s (got %q)", strings.Join(names, ", "), string(v))
}

// slugRE matches tenant slugs and chat entry-point keys: lower-case letters,
// digits and inner dashes or underscores.
var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$`)

// ValidSlug tells whether s has the form of a tenant slug or a chat
// entry-point key (its length is checked apart).
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// CheckText checks that v is valid UTF-8 of at most max characters.
func CheckText(field, v string, max int) error { return checkText(field, v, max) }

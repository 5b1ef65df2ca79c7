package model

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxPseudonymLen bounds an agent's pseudonym, in characters.
const MaxPseudonymLen = 30

// pseudonymRE: a name as a person writes it: letters (any script), digits,
// spaces, hyphens, apostrophes and dots, from a letter on; no markup.
var pseudonymRE = regexp.MustCompile(`^\p{L}[\p{L}\p{M}\p{N} .'’-]*$`)

// CheckPseudonym checks the name an agent shows customers in place of its
// first name: empty (the first name is shown), or 2 to MaxPseudonymLen
// characters of a name, without spaces at either end.
func CheckPseudonym(p string) error {
	if p == "" {
		return nil
	}
	if !utf8.ValidString(p) {
		return invalidKey("pseudonym", "utf8", nil, "must be valid UTF-8")
	}
	n := utf8.RuneCountInString(p)
	if n < 2 || n > MaxPseudonymLen || !pseudonymRE.MatchString(p) || p[len(p)-1] == ' ' {
		return invalidKey("pseudonym", "pseudonym_format", Params{"max": MaxPseudonymLen, "got": p},
			"must be 2 to %d letters, digits, spaces, hyphens, apostrophes or dots, from a letter on, without markup (got %q)", MaxPseudonymLen, p)
	}
	return nil
}

// CustomerFacing is the name customers see of an agent: its pseudonym
// when set, else the first word of its display name (its privacy: never
// the surname).
func CustomerFacing(displayName, pseudonym string) string {
	if pseudonym != "" {
		return pseudonym
	}
	if f := strings.Fields(displayName); len(f) > 0 {
		return f[0]
	}
	return ""
}

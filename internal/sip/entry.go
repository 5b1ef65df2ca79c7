package sip

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/plateau-cc/plateau/internal/model"
)

// An entry number is the user part of the INVITE's Request-URI (sip:1000@host,
// sip:+33123456789@host, tel:+33123456789): what a phone entry point's
// address is matched against. Visual separators of a tel URI (RFC 3966:
// '-', '.', '(', ')') are removed; anything else outside the address syntax
// is refused, so an INVITE never reaches a lookup with arbitrary bytes.

var errNoEntry = errors.New("no entry number")

// entryNumber extracts the entry number of a Request-URI.
func entryNumber(u sipmsg.Uri) (string, error) {
	user := u.User
	if strings.EqualFold(u.Scheme, "tel") && user == "" {
		// sipgo keeps a tel URI whole: tel:+33-1-23;phone-context=...
		user, _, _ = strings.Cut(u.String(), ";")
		if len(user) > 4 && strings.EqualFold(user[:4], "tel:") {
			user = user[4:]
		}
	}
	if strings.ContainsRune(user, '%') {
		un, err := url.PathUnescape(user)
		if err != nil {
			return "", fmt.Errorf("%w: bad escape in %q", errNoEntry, user)
		}
		user = un
	}
	if strings.HasPrefix(user, "+") || strings.EqualFold(u.Scheme, "tel") {
		user = strings.Map(func(r rune) rune {
			switch r {
			case '-', '.', '(', ')':
				return -1
			}
			return r
		}, user)
	}
	switch {
	case user == "":
		return "", errNoEntry
	case len(user) > model.MaxAddressLen:
		return "", fmt.Errorf("%w: longer than %d characters", errNoEntry, model.MaxAddressLen)
	case strings.HasPrefix(user, "+"):
		if !model.ValidE164(user) {
			return "", fmt.Errorf("%w: %q is not an E.164 number", errNoEntry, user)
		}
	case !model.ValidSIPUser(user):
		return "", fmt.Errorf("%w: %q is not a number or SIP user", errNoEntry, user)
	}
	return user, nil
}

// EntryNumber parses a Request-URI and returns its entry number.
func EntryNumber(requestURI string) (string, error) {
	if len(requestURI) > 1024 {
		return "", fmt.Errorf("%w: URI too long", errNoEntry)
	}
	var u sipmsg.Uri
	if err := sipmsg.ParseUri(requestURI, &u); err != nil {
		return "", fmt.Errorf("%w: %v", errNoEntry, err)
	}
	return entryNumber(u)
}

// callerNumber is the calling number of an INVITE's From user, when it is
// one a callback could be placed to ("" otherwise).
func callerNumber(u sipmsg.Uri) string {
	n, err := entryNumber(u)
	if err != nil {
		return ""
	}
	cb := model.Callback{Number: n}
	if cb.Validate() != nil {
		return ""
	}
	return n
}

package sip

import (
	"errors"
	"strconv"
	"strings"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// Redirected reports whether err is a call or a registration a server
// redirected (3xx), and where to: the host:port of its first Contact, as a
// carrier or a SIP dispatcher following the redirect would send the
// request again.
func Redirected(err error) (code int, target string, ok bool) {
	var res *sipmsg.Response
	var de *sipgo.ErrDialogResponse
	var re *RegisterError
	switch {
	case errors.As(err, &de) && de.Res != nil:
		res = de.Res
	case errors.As(err, &re) && re.Code/100 == 3 && re.Contact != "":
		var u sipmsg.Uri
		if sipmsg.ParseUri(re.Contact, &u) != nil {
			return re.Code, "", false
		}
		return re.Code, u.HostPort(), true
	default:
		return 0, "", false
	}
	if res.StatusCode/100 != 3 || res.Contact() == nil {
		return res.StatusCode, "", false
	}
	return res.StatusCode, res.Contact().Address.HostPort(), true
}

// Refused returns the status code and Retry-After (seconds, -1 without)
// of a call or a registration the server refused; code 0 for any other
// error.
func Refused(err error) (code, retryAfter int) {
	var de *sipgo.ErrDialogResponse
	var re *RegisterError
	switch {
	case errors.As(err, &de) && de.Res != nil:
		retryAfter = -1
		if h := de.Res.GetHeader("Retry-After"); h != nil {
			v, _, _ := strings.Cut(strings.TrimSpace(h.Value()), ";")
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				retryAfter = n
			}
		}
		return de.Res.StatusCode, retryAfter
	case errors.As(err, &re):
		retryAfter = -1
		if re.RetryAfter > 0 {
			retryAfter = int(re.RetryAfter.Seconds())
		}
		return re.Code, retryAfter
	}
	return 0, -1
}

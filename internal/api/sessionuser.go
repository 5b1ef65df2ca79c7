package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/plateau-cc/plateau/internal/model"
)

// SessionUser returns the user of the password session whose cookie r
// carries (bearer tokens do not count: they are not a browser's). The
// live center uses it to let an agent desktop reloaded within its session
// sign in without its password again (live.Options.SessionUser); the
// session's lifetime and its closing at sign-out apply.
func (a *API) SessionUser(ctx context.Context, r *http.Request) (model.User, error) {
	if r.Header.Get("Authorization") != "" {
		return model.User{}, errors.New("a bearer token is not a browser session")
	}
	p, err := a.authenticate(ctx, r)
	if err != nil {
		return model.User{}, err
	}
	if p.User == nil || p.session == nil {
		return model.User{}, errors.New("no password session")
	}
	return *p.User, nil
}

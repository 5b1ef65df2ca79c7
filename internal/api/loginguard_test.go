package api

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
)

// One login tried from many addresses, and many logins from one address,
// are limited: the per-(address, login) limit alone let both through.
func TestLoginLimitsAcrossAddressesAndLogins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	checked := 0
	for i := range 220 {
		w := e.doFrom(fmt.Sprintf("198.51.100.%d:4000", i%20), cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "sup", Password: "wrong password"})
		switch w.Code {
		case 401:
			checked++
		case 429:
			if w.Header().Get("Retry-After") == "" {
				t.Fatalf("429 without Retry-After")
			}
		default:
			t.Fatalf("try %d: %d %s", i, w.Code, w.Body)
		}
	}
	if checked > loginguard.DefaultPerLogin {
		t.Errorf("%d of 220 tries on one login from 20 addresses reached the password check, want at most %d", checked, loginguard.DefaultPerLogin)
	}
	w := e.doFrom("203.0.113.50:1", cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "sup", Password: testPassword})
	wantError(t, w, 429, CodeRateLimited, "")

	checked = 0
	for i := range 60 {
		w := e.doFrom("203.0.113.77:4000", cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: fmt.Sprintf("guess%d", i), Password: "wrong password"})
		if w.Code == 401 {
			checked++
		}
	}
	if checked > loginguard.DefaultPerAddress {
		t.Errorf("%d of 60 logins from one address reached the password check, want at most %d", checked, loginguard.DefaultPerAddress)
	}
	e.clock.Advance(time.Minute)
	e.doFrom("203.0.113.50:1", cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "sup", Password: testPassword})
}

// Concurrent password checks are bounded: the excess is refused 429 with
// Retry-After instead of each running argon2id with its 19 MiB.
func TestLoginConcurrentChecksBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Logins: loginguard.New(loginguard.Options{Concurrent: 1, SlotWait: time.Millisecond})})
	f := e.fixture("acme")
	e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	var wg sync.WaitGroup
	codes := make([]int, 12)
	retry := make([]string, 12)
	for i := range codes {
		wg.Go(func() {
			w := e.doFrom(fmt.Sprintf("198.51.100.%d:4000", i), cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: fmt.Sprintf("u%d", i), Password: "wrong password"})
			codes[i], retry[i] = w.Code, w.Header().Get("Retry-After")
		})
	}
	wg.Wait()
	refused := 0
	for i, c := range codes {
		if c == 429 {
			refused++
			if retry[i] == "" {
				t.Errorf("429 without Retry-After")
			}
		} else if c != 401 {
			t.Errorf("login %d: %d", i, c)
		}
	}
	if refused == 0 {
		t.Errorf("12 concurrent logins with one check slot: none refused (%v)", codes)
	}
}

// Package loginguard bounds password sign-ins, wherever they come from
// (the REST login and the agents' WebSocket sign-in share one Guard).
//
// A password check runs argon2id with 19 MiB of memory and tens of
// milliseconds of CPU, so unauthenticated peers could exhaust the server by
// asking for many at once. A Guard therefore:
//
//   - runs at most Options.Concurrent checks at once; a try that finds no
//     free slot within Options.SlotWait is refused (its check never runs),
//     which bounds the memory of sign-ins to about Concurrent × 19 MiB
//     whatever the number of peers;
//   - limits the tries per source address and login (Options.PerAddressLogin
//     per minute), the failed tries per source address across logins
//     (PerAddress) and per login across addresses (PerLogin). A successful
//     sign-in gives the last two their token back, so that colleagues behind
//     one address, or a person who mistyped, are not locked out by their
//     own successes.
//
// Addresses are counted by IP (an IPv6 address by its /64 network, which
// one host usually holds whole).
package loginguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultConcurrent      = 4
	DefaultSlotWait        = 5 * time.Second
	DefaultPerAddressLogin = 10
	DefaultPerAddress      = 30
	DefaultPerLogin        = 20
)

// Bounds on what a sign-in may send, so that the work of a check stays
// bounded whatever the peer sends.
const (
	MaxLoginBytes    = 256
	MaxPasswordBytes = 1024
)

// Options configure a Guard; the zero value gives the defaults.
type Options struct {
	// Now is the clock of the rate limits; nil means time.Now.
	Now func() time.Time
	// Concurrent is the number of password checks run at once; 0 means
	// DefaultConcurrent.
	Concurrent int
	// SlotWait is how long a try waits for a free check before it is
	// refused; 0 means DefaultSlotWait.
	SlotWait time.Duration
	// PerAddressLogin is the number of tries per minute for one source
	// address and login; 0 means DefaultPerAddressLogin.
	PerAddressLogin int
	// PerAddress is the number of failed tries per minute from one source
	// address, whatever the login; 0 means DefaultPerAddress.
	PerAddress int
	// PerLogin is the number of failed tries per minute on one login,
	// whatever the address; 0 means DefaultPerLogin.
	PerLogin int
}

// Guard admits password checks. Its methods are safe for concurrent use.
type Guard struct {
	slots     chan struct{}
	slotWait  time.Duration
	pair      *rateLimiter
	byAddress *rateLimiter
	byLogin   *rateLimiter
	// takeMu makes "every bucket has a token, take one from each" atomic.
	takeMu sync.Mutex
}

// New returns a Guard.
func New(opts Options) *Guard {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	if opts.SlotWait <= 0 {
		opts.SlotWait = DefaultSlotWait
	}
	return &Guard{
		slots:     make(chan struct{}, def(opts.Concurrent, DefaultConcurrent)),
		slotWait:  opts.SlotWait,
		pair:      newRateLimiter(opts.Now, def(opts.PerAddressLogin, DefaultPerAddressLogin), time.Minute),
		byAddress: newRateLimiter(opts.Now, def(opts.PerAddress, DefaultPerAddress), time.Minute),
		byLogin:   newRateLimiter(opts.Now, def(opts.PerLogin, DefaultPerLogin), time.Minute),
	}
}

// Refused is the error of a try the Guard did not let through.
type Refused struct {
	// RetryAfter is when to try again (at least a second).
	RetryAfter time.Duration
	// Reason says which limit refused it, for the person and the logs.
	Reason string
}

func (r *Refused) Error() string {
	return fmt.Sprintf("%s; retry in %d s", r.Reason, r.Seconds())
}

// Seconds is RetryAfter in whole seconds, at least 1 (for Retry-After).
func (r *Refused) Seconds() int {
	return max(1, int((r.RetryAfter+time.Second-1)/time.Second))
}

// AsRefused returns the *Refused in err's chain.
func AsRefused(err error) (*Refused, bool) {
	var r *Refused
	ok := errors.As(err, &r)
	return r, ok
}

// Address returns the key a remote address ("host:port" or a bare IP) is
// counted under: its IP, or for IPv6 its /64 network.
func Address(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// Check runs check, a password check of login for a peer at remote (an
// address as Address takes it), if the limits allow it; check's error is
// returned as is, nil meaning the password was right. A try the limits
// refuse returns a *Refused without running check. Check waits for a free
// slot at most Options.SlotWait, or until ctx is done.
func (g *Guard) Check(ctx context.Context, remote, login string, check func(ctx context.Context) error) error {
	addr := Address(remote)
	login = strings.ToLower(login)
	pairKey := addr + "\x00" + login
	if err := g.take(pairKey, addr, login); err != nil {
		return err
	}
	refund := func() {
		g.byAddress.refund(addr)
		g.byLogin.refund(login)
	}
	timer := time.NewTimer(g.slotWait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-timer.C:
		refund()
		g.pair.refund(pairKey)
		return &Refused{RetryAfter: time.Second, Reason: "the server is busy checking other sign-ins"}
	case <-ctx.Done():
		refund()
		g.pair.refund(pairKey)
		return fmt.Errorf("wait for a password check: %w", ctx.Err())
	}
	err := check(ctx)
	<-g.slots
	if err == nil {
		refund()
	}
	return err
}

// take takes a token from each bucket, or none when one is empty.
func (g *Guard) take(pairKey, addr, login string) error {
	g.takeMu.Lock()
	defer g.takeMu.Unlock()
	if w := g.pair.wait(pairKey); w > 0 {
		return &Refused{RetryAfter: w, Reason: "too many sign-in attempts for this login"}
	}
	if w := g.byAddress.wait(addr); w > 0 {
		return &Refused{RetryAfter: w, Reason: "too many failed sign-ins from this address"}
	}
	if w := g.byLogin.wait(login); w > 0 {
		return &Refused{RetryAfter: w, Reason: "too many failed sign-ins for this login"}
	}
	g.pair.take(pairKey)
	g.byAddress.take(addr)
	g.byLogin.take(login)
	return nil
}

package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Digest authentication of agents' phones (RFC 3261 section 22, RFC 2617
// and RFC 8760): MD5 and SHA-256, qop "auth" or none. A nonce is a
// timestamp and random bytes, with the source and the username, signed
// with the server's key,
// valid for nonceTTL; the server remembers the highest nonce count used
// with each nonce it accepted, so a captured request cannot be replayed
// (a nonce without qop is single-use).

const (
	nonceTTL       = 5 * time.Minute
	maxAuthHeader  = 4096
	maxDigestParam = 64
	// maxNonceUses bounds the nonces remembered (each for at most
	// nonceTTL); past it new nonces are refused until old ones expire.
	maxNonceUses = 100_000
)

// credentials are the fields of an Authorization header Plateau reads.
type credentials struct {
	Username, Realm, Nonce, URI, Response string
	Algorithm, CNonce, QOP, NC, Opaque    string
}

var errBadAuth = errors.New("malformed Authorization header")

// parseCredentials parses `Digest k=v, k="v", ...`. Unknown parameters are
// ignored; a malformed header is an error (never a panic: fuzzed).
func parseCredentials(h string) (credentials, error) {
	var c credentials
	if len(h) > maxAuthHeader {
		return c, fmt.Errorf("%w: longer than %d bytes", errBadAuth, maxAuthHeader)
	}
	h = strings.TrimSpace(h)
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Digest") {
		return c, fmt.Errorf("%w: not a Digest scheme", errBadAuth)
	}
	seen := 0
	for {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		seen++
		if seen > maxDigestParam {
			return c, fmt.Errorf("%w: too many parameters", errBadAuth)
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return c, fmt.Errorf("%w: parameter without value", errBadAuth)
		}
		key := strings.ToLower(strings.TrimSpace(rest[:eq]))
		if key == "" || strings.ContainsAny(key, " \t\",") {
			return c, fmt.Errorf("%w: bad parameter name %q", errBadAuth, key)
		}
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			closed := false
			for i < len(rest) {
				ch := rest[i]
				if ch == '\\' && i+1 < len(rest) {
					b.WriteByte(rest[i+1])
					i += 2
					continue
				}
				if ch == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(ch)
				i++
			}
			if !closed {
				return c, fmt.Errorf("%w: unterminated quoted value of %s", errBadAuth, key)
			}
			val, rest = b.String(), rest[i:]
		} else {
			end := strings.IndexAny(rest, ", \t")
			if end < 0 {
				end = len(rest)
			}
			val, rest = rest[:end], rest[end:]
		}
		rest = strings.TrimLeft(rest, " \t")
		if rest != "" && rest[0] != ',' {
			return c, fmt.Errorf("%w: expected ',' after %s", errBadAuth, key)
		}
		switch key {
		case "username":
			c.Username = val
		case "realm":
			c.Realm = val
		case "nonce":
			c.Nonce = val
		case "uri":
			c.URI = val
		case "response":
			c.Response = strings.ToLower(val)
		case "algorithm":
			c.Algorithm = strings.ToUpper(val)
		case "cnonce":
			c.CNonce = val
		case "qop":
			c.QOP = strings.ToLower(val)
		case "nc":
			c.NC = val
		case "opaque":
			c.Opaque = val
		}
	}
	if c.Username == "" || c.Realm == "" || c.Nonce == "" || c.URI == "" || c.Response == "" {
		return c, fmt.Errorf("%w: username, realm, nonce, uri and response are required", errBadAuth)
	}
	if c.QOP != "" && c.QOP != "auth" {
		return c, fmt.Errorf("%w: qop %q not supported", errBadAuth, c.QOP)
	}
	if c.QOP == "auth" && (c.CNonce == "" || c.NC == "") {
		return c, fmt.Errorf("%w: qop=auth needs cnonce and nc", errBadAuth)
	}
	switch c.Algorithm {
	case "", "MD5", "SHA-256":
	default:
		return c, fmt.Errorf("%w: algorithm %q not supported", errBadAuth, c.Algorithm)
	}
	return c, nil
}

// nonces makes and checks nonces, and remembers their use.
type nonces struct {
	key  []byte
	now  func() time.Time
	uses *nonceUses
}

// make returns a nonce for src and user: base64(issued unix seconds, 8
// bytes || random, 8 bytes || HMAC-SHA256(key, issued || random || src ||
// 0 || user), 16 bytes). The random part makes every challenge's nonce
// new (two phones of one user behind one address never share one).
func (n nonces) make(src, user string) string {
	var b [32]byte
	binary.BigEndian.PutUint64(b[:8], uint64(n.now().Unix()))
	_, _ = rand.Read(b[8:16]) // never fails (crypto/rand panics rather)
	copy(b[16:], n.mac(b[:16], src, user))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (n nonces) mac(head []byte, src, user string) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write(head)
	m.Write([]byte(src))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return m.Sum(nil)[:16]
}

// check reports whether nonce was made for src and user and has not
// expired; stale is true for a genuine but expired nonce (the client
// retries without asking the user).
func (n nonces) check(nonce, src, user string) (ok, stale bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 32 {
		return false, false
	}
	if !hmac.Equal(b[16:], n.mac(b[:16], src, user)) {
		return false, false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0)
	age := n.now().Sub(issued)
	if age < -time.Minute || age > nonceTTL {
		return false, true
	}
	return true, false
}

// use records a verified use of nonce with nonce count nc (hex; "" when
// the client did not use qop): true when nc is higher than every count
// used before with that nonce (without qop: the nonce's first use). A
// replayed request, or one whose count goes back, is refused.
func (n nonces) use(nonce, nc string) bool {
	count := uint64(0)
	if nc != "" {
		v, err := strconv.ParseUint(nc, 16, 32)
		if err != nil || v == 0 {
			return false
		}
		count = v
	}
	return n.uses.use(nonce, count, n.now())
}

// nonceUses is the highest nonce count seen per nonce, until the nonce
// expires. Safe for concurrent use.
type nonceUses struct {
	mu        sync.Mutex
	by        map[string]nonceUse
	lastSweep time.Time
}

type nonceUse struct {
	nc      uint64
	expires time.Time
}

func newNonceUses() *nonceUses { return &nonceUses{by: map[string]nonceUse{}} }

func (u *nonceUses) use(nonce string, nc uint64, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if now.Sub(u.lastSweep) > time.Minute || len(u.by) >= maxNonceUses {
		u.lastSweep = now
		for k, v := range u.by {
			if now.After(v.expires) {
				delete(u.by, k)
			}
		}
	}
	prev, seen := u.by[nonce]
	if seen && nc <= prev.nc {
		return false
	}
	if !seen && len(u.by) >= maxNonceUses {
		return false
	}
	// A nonce is valid for nonceTTL after it was made (and a minute of
	// clock skew): remembering it that long from now covers it.
	u.by[nonce] = nonceUse{nc: nc, expires: now.Add(nonceTTL + time.Minute)}
	return true
}

// sameURI reports whether the digest uri names the Request-URI (RFC 3261
// 22.4: the server checks they are equal).
func sameURI(digestURI string, req sipmsg.Uri) bool {
	if digestURI == req.String() {
		return true
	}
	var u sipmsg.Uri
	if err := sipmsg.ParseUri(digestURI, &u); err != nil {
		return false
	}
	port := func(u sipmsg.Uri) int {
		if u.Port != 0 {
			return u.Port
		}
		if strings.EqualFold(u.Scheme, "sips") {
			return 5061
		}
		return 5060
	}
	return strings.EqualFold(u.Scheme, req.Scheme) && u.User == req.User && strings.EqualFold(u.Host, req.Host) && port(u) == port(req)
}

// challenges returns the WWW-Authenticate values for realm: MD5 (what
// every phone supports), then SHA-256 (RFC 8760) when withSHA256. Some
// phones (baresip 1.0) give up on a challenge whose algorithm they do not
// know instead of using the other one, so SHA-256 is offered only when
// configured.
func challenges(realm, nonce string, stale, withSHA256 bool) []string {
	extra := ""
	if stale {
		extra = ", stale=true"
	}
	algs := []string{"MD5"}
	if withSHA256 {
		algs = append(algs, "SHA-256")
	}
	out := make([]string, 0, len(algs))
	for _, alg := range algs {
		out = append(out, fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=%s, qop="auth"%s`, realm, nonce, alg, extra))
	}
	return out
}

// digestResponse computes the expected response for ha1 (hex, of the
// algorithm) and the request's method.
func digestResponse(c credentials, ha1, method string) string {
	var h func() hash.Hash = md5.New
	if c.Algorithm == "SHA-256" {
		h = sha256.New
	}
	hexH := func(s string) string {
		d := h()
		d.Write([]byte(s))
		return hex.EncodeToString(d.Sum(nil))
	}
	ha2 := hexH(method + ":" + c.URI)
	if c.QOP == "auth" {
		return hexH(ha1 + ":" + c.Nonce + ":" + c.NC + ":" + c.CNonce + ":" + c.QOP + ":" + ha2)
	}
	return hexH(ha1 + ":" + c.Nonce + ":" + ha2)
}

// verifyDigest checks a response against the stored HA1s (MD5 and SHA-256).
func verifyDigest(c credentials, ha1MD5, ha1SHA256, method string) bool {
	ha1 := ha1MD5
	if c.Algorithm == "SHA-256" {
		ha1 = ha1SHA256
	}
	want := digestResponse(c, ha1, method)
	return subtle.ConstantTimeCompare([]byte(want), []byte(c.Response)) == 1
}

package sip

import (
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// binding is where an agent's phone can be reached: the Contact of its last
// authenticated REGISTER, and the address and transport it came from
// (requests are sent there, which also works behind NAT).
type binding struct {
	agentID   int64
	tenantID  int64
	username  string
	ha1MD5    string // the credentials it registered with (a password change revokes it)
	contact   sipmsg.Uri
	source    string // host:port the REGISTER came from
	transport string // "UDP", "TCP", "TLS"
	expires   time.Time
}

// registrar keeps one binding per agent, for authenticated phones only.
// Safe for concurrent use.
type registrar struct {
	mu sync.Mutex
	by map[int64]binding
}

func newRegistrar() *registrar { return &registrar{by: map[int64]binding{}} }

func (r *registrar) set(b binding) {
	r.mu.Lock()
	r.by[b.agentID] = b
	r.mu.Unlock()
}

func (r *registrar) remove(agentID int64) {
	r.mu.Lock()
	delete(r.by, agentID)
	r.mu.Unlock()
}

// drop removes b unless the agent registered again since.
func (r *registrar) drop(b binding) {
	r.mu.Lock()
	if cur, ok := r.by[b.agentID]; ok && cur.username == b.username && cur.ha1MD5 == b.ha1MD5 {
		delete(r.by, b.agentID)
	}
	r.mu.Unlock()
}

// lookup returns the agent's binding if it has not expired at now.
func (r *registrar) lookup(agentID int64, now time.Time) (binding, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.by[agentID]
	if !ok {
		return b, false
	}
	if !now.Before(b.expires) {
		delete(r.by, agentID)
		return b, false
	}
	return b, true
}

// count is the number of live bindings at now.
func (r *registrar) count(now time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.by {
		if now.Before(b.expires) {
			n++
		}
	}
	return n
}

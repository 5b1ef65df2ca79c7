package live

import (
	"context"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// entryTTL is how long a resolved chat entry point is reused: a change
// made through the API reaches new customers within it.
const entryTTL = 2 * time.Second

// entryCache keeps recently resolved chat entry points, saving a database
// query per arriving customer.
type entryCache struct {
	mu sync.Mutex
	m  map[string]cachedEntry
}

type cachedEntry struct {
	ep model.EntryPoint
	at time.Time
}

// resolveChatEntry returns the chat entry point at address, from the cache when it
// was resolved less than entryTTL ago. Unknown addresses are not cached.
func (c *Center) resolveChatEntry(ctx context.Context, address string) (model.EntryPoint, error) {
	now := c.now()
	ec := &c.entries
	ec.mu.Lock()
	if e, ok := ec.m[address]; ok && now.Sub(e.at) < entryTTL {
		ec.mu.Unlock()
		return e.ep, nil
	}
	ec.mu.Unlock()
	ep, err := c.st.ResolveEntryPoint(ctx, model.EntryChat, address)
	if err != nil {
		return ep, err
	}
	ec.mu.Lock()
	if ec.m == nil {
		ec.m = map[string]cachedEntry{}
	}
	ec.m[address] = cachedEntry{ep: ep, at: now}
	ec.mu.Unlock()
	return ep, nil
}

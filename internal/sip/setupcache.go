package sip

import (
	"context"
	"errors"
	"sync"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// setupCache keeps what every call setup reads of the configuration (the
// entry point of the number called, the tenant's language, whether the
// queue records): without it each INVITE made three reads before its own
// write. ConfigChanged empties it; a read that began before a change is not
// kept (gen), so the next call after a change reads the new configuration.
type setupCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]cachedEntry // by the number called
	langs   map[int64]string       // by tenant
	records map[[2]int64]bool      // by tenant and queue: the queue records its calls
}

// cachedEntry is a number's entry point, or that it has none.
type cachedEntry struct {
	ep    model.EntryPoint
	found bool
}

// ConfigChanged tells the SIP server that the configuration changed (an
// entry point, queue, schedule, tenant or its language, a menu prompt): the
// next call setup reads it again. The server calls it on every change the
// API reports.
func (s *Server) ConfigChanged() {
	c := &s.setup
	c.mu.Lock()
	c.gen++
	c.entries, c.langs, c.records = nil, nil, nil
	c.mu.Unlock()
}

// generation is the cache's generation before a read of the store.
func (c *setupCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// keep runs put under the lock when no change came since gen.
func (c *setupCache) keep(gen uint64, put func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		put()
	}
}

// entryPoint resolves the phone entry point of number (store.ErrNotFound
// when there is none).
func (s *Server) entryPoint(ctx context.Context, number string) (model.EntryPoint, error) {
	c := &s.setup
	c.mu.Lock()
	e, ok := c.entries[number]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		if !e.found {
			return model.EntryPoint{}, store.ErrNotFound
		}
		return e.ep, nil
	}
	ep, err := s.st.ResolveEntryPoint(ctx, model.EntryPhone, number)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return ep, err
	}
	c.keep(gen, func() {
		if c.entries == nil {
			c.entries = map[string]cachedEntry{}
		}
		// A flood of unknown numbers is not remembered number by number.
		if found || len(c.entries) < maxCachedNumbers {
			c.entries[number] = cachedEntry{ep: ep, found: found}
		}
	})
	return ep, err
}

// maxCachedNumbers bounds the numbers remembered as having no entry point.
const maxCachedNumbers = 10_000

// tenantLanguage is the language of the tenant's spoken prompts.
func (s *Server) tenantLanguage(ctx context.Context, tenantID int64) (string, error) {
	c := &s.setup
	c.mu.Lock()
	lang, ok := c.langs[tenantID]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return lang, nil
	}
	lang, err := s.st.TenantLanguage(ctx, tenantID)
	if err != nil {
		return "", err
	}
	c.keep(gen, func() {
		if c.langs == nil {
			c.langs = map[int64]string{}
		}
		c.langs[tenantID] = lang
	})
	return lang, nil
}

// queueRecords reports whether the tenant's queue records its calls (false
// when it cannot be read).
func (s *Server) queueRecords(ctx context.Context, tenantID, queueID int64) bool {
	c := &s.setup
	k := [2]int64{tenantID, queueID}
	c.mu.Lock()
	rec, ok := c.records[k]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return rec
	}
	q, err := s.st.GetQueue(ctx, tenantID, queueID)
	if err != nil {
		return false
	}
	c.keep(gen, func() {
		if c.records == nil {
			c.records = map[[2]int64]bool{}
		}
		c.records[k] = q.Recording
	})
	return q.Recording
}

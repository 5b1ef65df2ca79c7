package sip

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the callback caps (per calendar day, UTC).
const (
	DefaultCallbacksPerNumber = 3
	DefaultCallbacksPerSource = 10
	// maxCallbackKeys bounds the cap counters: past it, new numbers and
	// sources are refused until the next day (an attacker cycling through
	// numbers cannot make the map grow without bound).
	maxCallbackKeys = 100_000
)

// Why a callback number is refused (the reason label of
// plateau_sip_callbacks_refused_total).
var (
	errCallbackPolicy    = errors.New("number not allowed by callback_allow/callback_deny")
	errCallbackNumberCap = errors.New("too many callbacks to this number today")
	errCallbackSourceCap = errors.New("too many callbacks asked from this source today")
	errCallbackFull      = errors.New("too many callback numbers today")
)

func refusalReason(err error) string {
	switch {
	case errors.Is(err, errCallbackPolicy):
		return "policy"
	case errors.Is(err, errCallbackNumberCap):
		return "number_cap"
	case errors.Is(err, errCallbackSourceCap):
		return "source_cap"
	default:
		return "full"
	}
}

// callbackPolicy decides which numbers Plateau may call back. A number is
// allowed when it starts with one of allow's prefixes and with none of
// deny's (an empty allow list allows nothing: callbacks are then never
// offered). Each number and each source (the IP the call came from) may
// have a limited count of callbacks per UTC day. Safe for concurrent use.
type callbackPolicy struct {
	allow, deny          []string
	perNumber, perSource int
	refused              *prometheus.CounterVec

	mu       sync.Mutex
	day      string
	byNumber map[string]int
	bySource map[string]int
}

func newCallbackPolicy(allow, deny []string, perNumber, perSource int, refused *prometheus.CounterVec) *callbackPolicy {
	return &callbackPolicy{allow: allow, deny: deny, perNumber: perNumber, perSource: perSource, refused: refused,
		byNumber: map[string]int{}, bySource: map[string]int{}}
}

// enabled reports whether any number may be called back.
func (p *callbackPolicy) enabled() bool { return len(p.allow) > 0 }

// allowed checks number against the prefixes only (refusals are counted).
func (p *callbackPolicy) allowed(number string) error {
	if err := p.match(number); err != nil {
		p.refused.WithLabelValues(refusalReason(err)).Inc()
		return err
	}
	return nil
}

func (p *callbackPolicy) match(number string) error {
	if number == "" {
		return fmt.Errorf("%w: no number", errCallbackPolicy)
	}
	for _, d := range p.deny {
		if strings.HasPrefix(number, d) {
			return fmt.Errorf("%w: %s matches %q", errCallbackPolicy, number, d)
		}
	}
	for _, a := range p.allow {
		if strings.HasPrefix(number, a) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", errCallbackPolicy, number)
}

// take checks number against the prefixes and the caps of number and
// source for now's day, and counts one callback when it passes.
func (p *callbackPolicy) take(number, source string, now time.Time) error {
	err := p.match(number)
	if err == nil {
		err = p.count(number, source, now)
	}
	if err != nil {
		p.refused.WithLabelValues(refusalReason(err)).Inc()
	}
	return err
}

func (p *callbackPolicy) count(number, source string, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if day := now.UTC().Format(time.DateOnly); day != p.day {
		p.day, p.byNumber, p.bySource = day, map[string]int{}, map[string]int{}
	}
	if p.perNumber > 0 && p.byNumber[number] >= p.perNumber {
		return fmt.Errorf("%w (%d)", errCallbackNumberCap, p.perNumber)
	}
	if source != "" && p.perSource > 0 && p.bySource[source] >= p.perSource {
		return fmt.Errorf("%w (%d)", errCallbackSourceCap, p.perSource)
	}
	if len(p.byNumber)+len(p.bySource) >= maxCallbackKeys {
		return errCallbackFull
	}
	p.byNumber[number]++
	if source != "" {
		p.bySource[source]++
	}
	return nil
}

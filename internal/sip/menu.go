package sip

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
)

// A phone entry point's optional voice menu (model.Menu): the caller hears
// the welcome, the entry's recorded menu prompt and "to speak to an
// advisor, press 0", then chooses a queue with one key. The call is stored
// when it arrives (live.ReceiveVoice) and queued once the queue is chosen
// (live.QueueVoice): the time in the menu counts in the caller's wait.
// 0 reaches the entry point's own queue at once; a wrong key says the menu
// again; after menuPlays sayings without a choice, the call goes to the
// entry point's own queue too, as after a minute in the menu with a long
// prompt. A human is always at the end.

const (
	// DefaultMenuTimeout is how long a menu waits for a key once said.
	DefaultMenuTimeout = 5 * time.Second
	// menuPlays is how many times the menu is said before the call goes to
	// the entry point's own queue.
	menuPlays = 3
	// maxMenuPrompt bounds a recorded menu prompt.
	maxMenuPrompt = 60 * time.Second
	// maxMenuTime: once a caller has been this long in the menu without a
	// choice, the menu is not said again: the entry point's queue takes the
	// call (with a long prompt, before menuPlays sayings).
	maxMenuTime = 60 * time.Second
	// typeAhead: keys within this time after the choice are the caller's
	// typing ahead (a second 1), not a request for a callback.
	typeAhead = 1500 * time.Millisecond
)

// menuState is a call's menu while its caller chooses.
type menuState struct {
	rc     *live.ReceivedCall
	ep     model.EntryPoint
	prompt *media.Samples
	plays  int       // times the menu was said
	seq    int       // invalidates stale timeouts
	start  time.Time // when the menu began
}

// promptCache keeps the entry points' menu prompts, decoded, by entry point
// and version (one decoding per upload, not per call).
type promptCache struct {
	mu     sync.Mutex
	m      map[int64]cachedPrompt
	warned map[int64]int64 // entry points warned of a missing prompt, at their version
}

type cachedPrompt struct {
	version int64
	samples *media.Samples
}

// menuPrompt returns the recorded prompt of ep's menu; nil when the entry
// has no active menu or no prompt (the call then goes to its queue at once).
func (s *Server) menuPrompt(ctx context.Context, ep model.EntryPoint) *media.Samples {
	if !ep.Menu.Active() {
		return nil
	}
	if ep.MenuPromptMS <= 0 {
		s.prompts.mu.Lock()
		v, warned := s.prompts.warned[ep.ID]
		if !warned || v != ep.MenuPromptVersion {
			if s.prompts.warned == nil {
				s.prompts.warned = map[int64]int64{}
			}
			s.prompts.warned[ep.ID] = ep.MenuPromptVersion
			s.log.Warn("sip: entry point has a menu but no recorded prompt: menu not offered", "entry", ep.Address)
		}
		s.prompts.mu.Unlock()
		return nil
	}
	s.prompts.mu.Lock()
	c, ok := s.prompts.m[ep.ID]
	s.prompts.mu.Unlock()
	if ok && c.version == ep.MenuPromptVersion {
		return c.samples
	}
	wav, version, err := s.st.MenuPrompt(ctx, ep.TenantID, ep.ID)
	if err != nil {
		s.log.Error("sip: menu prompt: menu not offered", "entry", ep.Address, "err", err)
		return nil
	}
	pcm, err := media.ImportWAV(bytes.NewReader(wav), maxMenuPrompt)
	if err != nil {
		s.log.Error("sip: menu prompt: menu not offered", "entry", ep.Address, "err", fmt.Errorf("decode stored prompt: %w", err))
		return nil
	}
	c = cachedPrompt{version: version, samples: media.NewSamples(pcm)}
	s.prompts.mu.Lock()
	if s.prompts.m == nil {
		s.prompts.m = map[int64]cachedPrompt{}
	}
	s.prompts.m[ep.ID] = c
	s.prompts.mu.Unlock()
	return c.samples
}

// sayMenu says the menu (after the welcome the first time) and waits for a
// key from the end of it.
func (c *call) sayMenu() bool {
	m := c.menu
	var srcs []media.Source
	if m.plays == 0 {
		w, err := c.sp.Say(media.PromptWelcome)
		if err == nil {
			srcs = append(srcs, w)
		}
	}
	srcs = append(srcs, m.prompt.Clone())
	zero, err := c.sp.Say(media.PromptMenuZero)
	if err != nil {
		c.s.log.Error("sip: menu prompt", "err", err)
		return c.chooseQueue(m.ep.QueueID, "error")
	}
	srcs = append(srcs, zero)
	m.plays++
	m.seq++
	return c.playThen(func() bool {
		c.armMenuTimeout()
		return false
	}, media.NewSequence(srcs...))
}

func (c *call) armMenuTimeout() {
	c.menu.seq++
	seq := c.menu.seq
	time.AfterFunc(c.s.cfg.MenuTimeout, func() { c.push(callEvent{kind: evMenuTimeout, code: seq}) })
}

// menuTimedOut: no key after the menu was said.
func (c *call) menuTimedOut(seq int) bool {
	if c.menu == nil || seq != c.menu.seq {
		return false
	}
	if c.menuOver() {
		return c.chooseQueue(c.menu.ep.QueueID, "no key")
	}
	return c.sayMenu()
}

// menuOver: the menu was said enough; the entry point's queue takes the
// call rather than saying it again.
func (c *call) menuOver() bool {
	return c.menu.plays >= menuPlays || c.s.now().Sub(c.menu.start) >= maxMenuTime
}

// menuDigit: a key pressed in the menu (during it or after), which stops it.
func (c *call) menuDigit(k rune) bool {
	m := c.menu
	if k == '0' {
		return c.chooseQueue(m.ep.QueueID, "0")
	}
	if q, ok := m.ep.Menu.Queue(k); ok {
		return c.chooseQueue(q, string(k))
	}
	if c.menuOver() {
		return c.chooseQueue(m.ep.QueueID, "wrong keys")
	}
	return c.sayMenu()
}

// chooseQueue ends the menu and queues the call to queueID; the caller
// then hears their position and wait as any caller does. Should that queue
// refuse the call (changed or deleted meanwhile, a failure), the entry
// point's own queue takes it: 0 always reaches a human. Only when that
// fails too is the caller told to call again, then hung up.
func (c *call) chooseQueue(queueID int64, why string) bool {
	m := c.menu
	c.stopPlayer()
	label := menuChoiceLabel(why)
	c.s.metrics.menuChoices.WithLabelValues(label).Inc()
	switch label {
	case "option":
		m.rc.MenuChoice = "option:" + why
	case "zero", "default":
		m.rc.MenuChoice = label
	}
	c.chosenAt = c.s.now()
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	arr, err := c.s.centerOf(c.tenant).QueueVoice(ctx, m.rc, queueID)
	if err != nil && queueID != m.ep.QueueID {
		c.s.log.Error("sip: queue a call after its menu: trying the entry point's queue", "contact", c.id, "queue", queueID, "err", err)
		queueID = m.ep.QueueID
		arr, err = c.s.centerOf(c.tenant).QueueVoice(ctx, m.rc, queueID)
	}
	if err != nil {
		c.s.log.Error("sip: queue a call after its menu", "contact", c.id, "queue", queueID, "err", err)
		c.s.hangup(c) // abandoned where it stands, menu or engine (clears c.menu)
		return c.sayThen(func() bool {
			c.byeAll()
			return true
		}, media.PromptUnavailable)
	}
	c.menu = nil
	c.s.log.Info("sip call chose in menu", "contact", c.id, "key", why, "queue", queueID, "position", arr.Position)
	c.setQueue(ctx, queueID)
	if arr.Ended == "" {
		c.startPlayer(arr.Position, arr.EWT, false)
	}
	return false
}

// menuChoiceLabel keeps plateau_sip_menu_choices_total's label values few.
func menuChoiceLabel(why string) string {
	if len(why) == 1 && why[0] >= '1' && why[0] <= '9' {
		return "option"
	}
	switch why {
	case "0":
		return "zero"
	case "no key", "wrong keys":
		return "default"
	}
	return "error"
}

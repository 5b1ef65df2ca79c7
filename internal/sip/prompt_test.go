package sip

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
)

// TestPromptDoesNotBlockEvents: the caller's keys (and any other event)
// are handled while a prompt plays: '*' during the callback confirmation
// cuts it and the caller is back to the announcement, without hearing the
// rest of the confirmation.
func TestPromptDoesNotBlockEvents(t *testing.T) {
	w := newWorld(t, worldOpts{callbackAllow: []string{"+33"}})
	w.srv.cfg.CallbackGateway = "127.0.0.1:9" // never called in this test
	ctx := w.ctx()
	call, err := w.phone(testCaller, "").Dial(ctx, "1000")
	must(t, err, "dial")
	load := func(name string) []int16 {
		s, err := media.LoadWAV(media.Prompts(), "fr/"+name+".wav")
		must(t, err, "prompt "+name)
		return s.Data()
	}
	welcome, number, confirm, next := load(media.PromptWelcome), load(media.PromptCallbackNumber), load(media.PromptCallbackConfirm), load(media.PromptNext)
	eventually(t, "the welcome", 20*time.Second, func() bool { return len(call.Audio()) > len(welcome) })
	start := len(call.Audio())
	must(t, call.SendDigit(ctx, '1'), "press 1")
	// Halfway through "we will call you back on", '*'.
	eventuallyEvery(t, "the confirmation starts", 20*time.Second, 100*time.Millisecond, func() bool {
		return len(findPrompt(call.Audio()[start:], number[:len(number)/2])) > 0
	})
	must(t, call.SendDigit(ctx, '*'), "press *")
	eventuallyEvery(t, "the announcement again", 30*time.Second, 500*time.Millisecond, func() bool {
		return len(findPrompt(call.Audio()[start:], next)) > 0
	})
	if at := findPrompt(call.Audio()[start:], confirm); len(at) > 0 {
		t.Fatalf("the confirmation prompt played to its end before '*' was handled (at %v)", at)
	}
}

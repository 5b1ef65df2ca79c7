package media

import (
	"slices"
	"testing"
)

func TestCallbackConfirmationPrompts(t *testing.T) {
	for _, lang := range []string{French, English} {
		sp, err := NewSpeaker(Prompts(), lang)
		if err != nil {
			t.Fatal(err)
		}
		names := append([]string{PromptCallbackNumber}, sp.Digits("+33 6-12")...)
		names = append(names, PromptCallbackConfirm)
		if want := []string{PromptCallbackNumber, "3", "3", "6", "1", "2", PromptCallbackConfirm}; !slices.Equal(names, want) {
			t.Fatalf("%s: %v", lang, names)
		}
		src, err := sp.Say(names...)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		pcm, err := ReadAll(src, 0)
		if err != nil || len(pcm) < SampleRate {
			t.Fatalf("%s: %d samples, %v", lang, len(pcm), err)
		}
	}
}

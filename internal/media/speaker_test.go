package media

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestSpeakerNumbers(t *testing.T) {
	tests := []struct {
		lang    string
		n       int
		prompts string
		text    string
	}{
		{French, 0, "0", "zéro"},
		{French, 1, "1", "un"},
		{French, 16, "16", "seize"},
		{French, 17, "17", "dix-sept"},
		{French, 20, "20", "vingt"},
		{French, 21, "20 et 1", "vingt et un"},
		{French, 22, "20 2", "vingt-deux"},
		{French, 30, "30", "trente"},
		{French, 61, "60 et 1", "soixante et un"},
		{French, 70, "60 10", "soixante-dix"},
		{French, 71, "60 et 11", "soixante et onze"},
		{French, 77, "60 17", "soixante-dix-sept"},
		{French, 80, "80", "quatre-vingts"},
		{French, 81, "80 1", "quatre-vingt-un"},
		{French, 91, "80 11", "quatre-vingt-onze"},
		{French, 97, "80 17", "quatre-vingt-dix-sept"},
		{French, 99, "80 19", "quatre-vingt-dix-neuf"},
		{French, 100, "cent", "cent"},
		{French, 101, "cent 1", "cent un"},
		{French, 180, "cent 80", "cent quatre-vingts"},
		{French, 200, "2 cent", "deux cents"},
		{French, 201, "2 cent 1", "deux cent un"},
		{French, 1000, "mille", "mille"},
		{French, 1001, "mille 1", "mille un"},
		{French, 1999, "mille 9 cent 80 19", "mille neuf cent quatre-vingt-dix-neuf"},
		{French, 2000, "2 mille", "deux mille"},
		{French, 9999, "9 mille 9 cent 80 19", "neuf mille neuf cent quatre-vingt-dix-neuf"},
		{English, 0, "0", "zero"},
		{English, 1, "1", "one"},
		{English, 16, "16", "sixteen"},
		{English, 20, "20", "twenty"},
		{English, 21, "20 1", "twenty-one"},
		{English, 71, "70 1", "seventy-one"},
		{English, 80, "80", "eighty"},
		{English, 91, "90 1", "ninety-one"},
		{English, 99, "90 9", "ninety-nine"},
		{English, 100, "1 hundred", "one hundred"},
		{English, 101, "1 hundred 1", "one hundred one"},
		{English, 200, "2 hundred", "two hundred"},
		{English, 1000, "1 thousand", "one thousand"},
		{English, 1999, "1 thousand 9 hundred 90 9", "one thousand nine hundred ninety-nine"},
		{English, 9999, "9 thousand 9 hundred 90 9", "nine thousand nine hundred ninety-nine"},
	}
	speakers := map[string]*Speaker{}
	for _, lang := range []string{French, English} {
		s, err := NewSpeaker(Prompts(), lang)
		if err != nil {
			t.Fatal(err)
		}
		speakers[lang] = s
	}
	for _, tc := range tests {
		s := speakers[tc.lang]
		got, err := s.Number(tc.n)
		if err != nil {
			t.Errorf("%s %d: %v", tc.lang, tc.n, err)
			continue
		}
		if strings.Join(got, " ") != tc.prompts {
			t.Errorf("%s %d: prompts %q, want %q", tc.lang, tc.n, strings.Join(got, " "), tc.prompts)
		}
		if text, _ := SpellNumber(tc.lang, tc.n, false); text != tc.text {
			t.Errorf("%s %d: spelled %q, want %q", tc.lang, tc.n, text, tc.text)
		}
		// Every prompt named exists and plays.
		src, err := s.Say(got...)
		if err != nil {
			t.Errorf("%s %d: %v", tc.lang, tc.n, err)
			continue
		}
		pcm, err := ReadAll(src, 30*SampleRate)
		if err != nil || len(pcm) < SampleRate/10*len(got) {
			t.Errorf("%s %d: %d samples for %d prompts (%v)", tc.lang, tc.n, len(pcm), len(got), err)
		}
	}
	for _, n := range []int{-1, 10000} {
		if _, err := speakers[French].Number(n); err == nil {
			t.Errorf("Number(%d) did not fail", n)
		}
	}
	if _, err := SpellNumber("de", 3, false); err == nil {
		t.Error("SpellNumber in German did not fail")
	}
}

// Every number says something in both languages, with only known prompts.
func TestSpeakerAllNumbers(t *testing.T) {
	for _, lang := range []string{French, English} {
		known := map[string]bool{}
		for _, p := range requiredPrompts(lang) {
			known[p] = true
		}
		for n := range MaxSpokenNumber + 1 {
			for _, fem := range []bool{false, true} {
				w, err := numberWords(lang, n, fem)
				if err != nil || len(w.prompts) == 0 || w.text == "" {
					t.Fatalf("%s %d: %v %v", lang, n, w, err)
				}
				for _, p := range w.prompts {
					if !known[p] {
						t.Fatalf("%s %d: unknown prompt %q", lang, n, p)
					}
				}
			}
		}
	}
}

func TestSpeakerDurations(t *testing.T) {
	tests := []struct {
		lang string
		d    time.Duration
		want string
	}{
		{French, 3 * time.Minute, "3 minutes"},
		{French, time.Minute, "1f minute"},
		{French, 21 * time.Minute, "20 et 1f minutes"},
		{French, 81 * time.Minute, "80 1f minutes"},
		{French, 150 * time.Second, "2 minutes 30 seconds"},
		{French, 61 * time.Second, "1f minute 1f second"},
		{French, 0, "0 second"},
		{French, 1400 * time.Millisecond, "1f second"},
		{English, 3 * time.Minute, "3 minutes"},
		{English, time.Minute, "1 minute"},
		{English, 0, "0 seconds"},
		{English, 90 * time.Second, "1 minute 30 seconds"},
		{English, 1999 * time.Minute, "1 thousand 9 hundred 90 9 minutes"},
	}
	for _, tc := range tests {
		s, err := NewSpeaker(Prompts(), tc.lang)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Duration(tc.d)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%s %v: %q (%v), want %q", tc.lang, tc.d, strings.Join(got, " "), err, tc.want)
		}
		if _, err := s.Say(got...); err != nil {
			t.Errorf("%s %v: %v", tc.lang, tc.d, err)
		}
	}
	s, _ := NewSpeaker(Prompts(), English)
	for _, d := range []time.Duration{-time.Second, 10000 * time.Minute} {
		if _, err := s.Duration(d); err == nil {
			t.Errorf("Duration(%v) did not fail", d)
		}
	}
	if text, _ := SpellNumber(French, 21, true); text != "vingt et une" {
		t.Errorf("feminine 21: %q", text)
	}
}

func TestSpeakerAnnouncement(t *testing.T) {
	tests := []struct {
		lang string
		pos  int
		wait time.Duration
		want string
	}{
		{French, 1, 30 * time.Second, "next wait under_minute"},
		{French, 3, 150 * time.Second, "position 3 wait 3 minutes"},
		{French, 21, 20 * time.Minute, "position 20 et 1 wait 20 minutes"},
		{English, 2, 61 * time.Second, "position 2 wait 2 minutes"},
		{English, 71, time.Minute, "position 70 1 wait 1 minute"},
		// The longest wait that can be said, then one beyond it (a queue
		// with thousands waiting and nobody to answer): the position alone.
		{English, 2, MaxSpokenNumber * time.Minute, "position 2 wait 9 thousand 9 hundred 90 9 minutes"},
		{French, 2500, 171 * time.Hour, "position 2 mille 5 cent"},
	}
	for _, tc := range tests {
		s, _ := NewSpeaker(Prompts(), tc.lang)
		got, err := s.Announcement(tc.pos, tc.wait)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%s %d %v: %q (%v), want %q", tc.lang, tc.pos, tc.wait, strings.Join(got, " "), err, tc.want)
		}
	}
	s, _ := NewSpeaker(Prompts(), French)
	if _, err := s.Announcement(0, time.Minute); err == nil {
		t.Error("position 0 accepted")
	}
}

func TestSpeakerErrors(t *testing.T) {
	if _, err := NewSpeaker(Prompts(), "de"); err == nil {
		t.Error("German speaker created")
	}
	missing := fstest.MapFS{"fr/welcome.wav": &fstest.MapFile{Data: []byte("x")}}
	if _, err := NewSpeaker(missing, French); err == nil || !strings.Contains(err.Error(), "prompt") {
		t.Errorf("incomplete prompt set: %v", err)
	}
	s, _ := NewSpeaker(Prompts(), French)
	for _, name := range []string{"", "../moh", "nope"} {
		if _, err := s.Say(name); err == nil {
			t.Errorf("Say(%q) did not fail", name)
		}
	}
}

// The committed prompt files are what the Speaker expects: 8 kHz mono
// 16-bit, not empty, not too long, and the whole set stays small.
func TestPromptFiles(t *testing.T) {
	fsys := Prompts()
	total := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += int(info.Size())
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		r, err := ReadWAV(f)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if r.Format() != (WAVFormat{Encoding: "PCM", Channels: 1, SampleRate: 8000, BitsPerSample: 16}) {
			t.Errorf("%s: format %+v", p, r.Format())
		}
		pcm, err := ReadAll(r, 30*SampleRate)
		if err != nil || len(pcm) < SampleRate/10 {
			t.Errorf("%s: %d samples (%v)", p, len(pcm), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 3<<20 {
		t.Errorf("prompt sets weigh %d bytes, more than 3 MiB", total)
	}
	moh, err := LoadMusicOnHold(fsys)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, FrameSamples)
	for range 2000 { // 40 s: loops over the 16 s music
		if n, err := moh.Next(buf); n != FrameSamples || err != nil {
			t.Fatalf("music on hold: %d, %v", n, err)
		}
	}
}

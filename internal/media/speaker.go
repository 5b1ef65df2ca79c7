package media

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Prompt names shared by every language of a prompt set (file stems under
// <lang>/ in Prompts).
const (
	PromptWelcome     = "welcome"      // greeting
	PromptPosition    = "position"     // "Vous êtes en position" / "You are number" (then a number)
	PromptNext        = "next"         // "you are next" (position 1)
	PromptWait        = "wait"         // "Temps d'attente estimé" / "Estimated waiting time" (then a duration)
	PromptUnderMinute = "under_minute" // "moins d'une minute" / "less than a minute"
	PromptCallback    = "callback"     // "press 1 to be called back"
	PromptCallbackOK  = "callback_ok"  // callback registered, goodbye
	PromptClosed      = "closed"       // "our service is closed"
	PromptRecording   = "recording"    // "this call may be recorded"
	PromptHold        = "hold"         // "please hold"
	PromptMenuZero    = "menu_zero"    // "to speak to an advisor, press 0" (after a voice menu's own prompt)
	PromptUnavailable = "unavailable"  // the call cannot be taken now (a failure), call again
)

// Languages of the prompt sets.
const (
	French  = "fr"
	English = "en"
)

// MaxSpokenNumber is the largest number a Speaker says.
const MaxSpokenNumber = 9999

// Speaker says numbers, durations and phrases in one language by putting
// prompt files together. It loads each file once and shares its samples
// (read-only) among the sources it returns; it is safe for concurrent use.
type Speaker struct {
	fsys fs.FS
	lang string

	mu    sync.Mutex
	cache map[string]*Samples
}

// NewSpeaker returns a speaker for lang ("fr" or "en") reading
// <lang>/<name>.wav from fsys (Prompts() for the embedded set). It checks
// that every prompt it may need is present.
func NewSpeaker(fsys fs.FS, lang string) (*Speaker, error) {
	if lang != French && lang != English {
		return nil, fmt.Errorf("media: speaker: language %q not supported (fr, en)", lang)
	}
	s := &Speaker{fsys: fsys, lang: lang, cache: map[string]*Samples{}}
	for _, name := range requiredPrompts(lang) {
		if _, err := fs.Stat(fsys, s.file(name)); err != nil {
			return nil, fmt.Errorf("media: speaker %s: prompt %q: %w", lang, name, err)
		}
	}
	return s, nil
}

func requiredPrompts(lang string) []string {
	names := []string{PromptWelcome, PromptPosition, PromptNext, PromptWait, PromptUnderMinute,
		PromptCallback, PromptCallbackOK, PromptClosed, PromptRecording, PromptHold, PromptMenuZero, PromptUnavailable,
		"minute", "minutes", "second", "seconds"}
	for i := range 21 {
		names = append(names, strconv.Itoa(i))
	}
	if lang == French {
		return append(names, "1f", "30", "40", "50", "60", "80", "et", "cent", "mille")
	}
	return append(names, "30", "40", "50", "60", "70", "80", "90", "hundred", "thousand")
}

// Lang returns the speaker's language.
func (s *Speaker) Lang() string { return s.lang }

func (s *Speaker) file(name string) string { return path.Join(s.lang, name+".wav") }

// Number returns the prompts that say n (0..MaxSpokenNumber), e.g. for 71
// in French ["60" "et" "11"] (soixante et onze).
func (s *Speaker) Number(n int) ([]string, error) {
	w, err := numberWords(s.lang, n, false)
	if err != nil {
		return nil, err
	}
	return w.prompts, nil
}

// Duration returns the prompts that say d rounded to the second, in minutes
// and seconds ("2 minutes 30 secondes", "1 minute", "0 seconds"); minutes
// must stay within MaxSpokenNumber.
func (s *Speaker) Duration(d time.Duration) ([]string, error) {
	if d < 0 {
		return nil, fmt.Errorf("media: speaker: negative duration %v", d)
	}
	secs := int64((d + time.Second/2) / time.Second)
	m, sec := secs/60, int(secs%60)
	if m > MaxSpokenNumber {
		return nil, fmt.Errorf("media: speaker: %v is more than %d minutes", d, MaxSpokenNumber)
	}
	var out []string
	add := func(n int, one, many string) error {
		w, err := numberWords(s.lang, n, true) // minute and seconde are feminine
		if err != nil {
			return err
		}
		unit := many
		if n == 1 || (n == 0 && s.lang == French) {
			unit = one
		}
		out = append(append(out, w.prompts...), unit)
		return nil
	}
	if m > 0 {
		if err := add(int(m), "minute", "minutes"); err != nil {
			return nil, err
		}
	}
	if sec > 0 || m == 0 {
		if err := add(sec, "second", "seconds"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Announcement returns the prompts telling a waiting caller their position
// and expected wait: "you are next" at position 1, else "you are number N";
// then the wait, "less than a minute" under 60 s, else in whole minutes
// rounded up (an announced wait should not be beaten by the real one). A
// wait longer than can be said (MaxSpokenNumber minutes, as a queue with
// thousands waiting and nobody to answer predicts) is left out: the caller
// hears the position alone, then the music, rather than nothing.
func (s *Speaker) Announcement(position int, wait time.Duration) ([]string, error) {
	if position < 1 {
		return nil, fmt.Errorf("media: speaker: position %d", position)
	}
	var out []string
	if position == 1 {
		out = append(out, PromptNext)
	} else {
		n, err := s.Number(position)
		if err != nil {
			return nil, err
		}
		out = append(append(out, PromptPosition), n...)
	}
	rounded := (wait + time.Minute - 1).Truncate(time.Minute)
	if rounded > MaxSpokenNumber*time.Minute {
		return out, nil
	}
	out = append(out, PromptWait)
	if wait < time.Minute {
		return append(out, PromptUnderMinute), nil
	}
	d, err := s.Duration(rounded)
	if err != nil {
		return nil, err
	}
	return append(out, d...), nil
}

// Say returns a Source playing the named prompts one after the other.
func (s *Speaker) Say(names ...string) (*Sequence, error) {
	srcs := make([]Source, len(names))
	for i, name := range names {
		p, err := s.load(name)
		if err != nil {
			return nil, err
		}
		srcs[i] = p.Clone()
	}
	return NewSequence(srcs...), nil
}

func (s *Speaker) load(name string) (*Samples, error) {
	if name == "" || strings.ContainsAny(name, "/\\.") {
		return nil, fmt.Errorf("media: speaker: bad prompt name %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.cache[name]; ok {
		return p, nil
	}
	p, err := LoadWAV(s.fsys, s.file(name))
	if err != nil {
		return nil, fmt.Errorf("media: speaker %s: %w", s.lang, err)
	}
	s.cache[name] = p
	return p, nil
}

// SpellNumber writes n (0..MaxSpokenNumber) out in words, as Number says
// it: French in the traditional spelling ("soixante et onze",
// "quatre-vingts", "deux cents", "mille neuf cent quatre-vingt-dix-neuf"),
// English without "and" ("one thousand nine hundred ninety-nine").
// feminine selects "une" for a final "un" in French (for minutes, secondes).
func SpellNumber(lang string, n int, feminine bool) (string, error) {
	w, err := numberWords(lang, n, feminine)
	if err != nil {
		return "", err
	}
	return w.text, nil
}

type words struct {
	prompts []string
	text    string
}

func numberWords(lang string, n int, fem bool) (words, error) {
	if n < 0 || n > MaxSpokenNumber {
		return words{}, fmt.Errorf("media: speaker: %d outside 0..%d", n, MaxSpokenNumber)
	}
	switch lang {
	case French:
		return frNumber(n, fem), nil
	case English:
		return enNumber(n), nil
	}
	return words{}, fmt.Errorf("media: speaker: language %q not supported", lang)
}

const (
	frUnitsText = "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf vingt"
	enUnitsText = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"
	// tens, indexed by n/10 - 2
	frTensText = "vingt trente quarante cinquante soixante"
	enTensText = "twenty thirty forty fifty sixty seventy eighty ninety"
)

func field(list string, i int) string { return strings.Fields(list)[i] }

// frUnit is 0..20, "une" / prompt "1f" for a feminine 1.
func frUnit(n int, fem bool) words {
	if n == 1 && fem {
		return words{[]string{"1f"}, "une"}
	}
	return words{[]string{strconv.Itoa(n)}, field(frUnitsText, n)}
}

// frBelow100 says 1..99.
func frBelow100(n int, fem bool) words {
	switch {
	case n <= 20:
		return frUnit(n, fem)
	case n < 70:
		t, u := n/10*10, n%10
		tens := words{[]string{strconv.Itoa(t)}, field(frTensText, t/10-2)}
		switch u {
		case 0:
			return tens
		case 1:
			one := frUnit(1, fem)
			return words{append(append(tens.prompts, "et"), one.prompts...), tens.text + " et " + one.text}
		}
		unit := frUnit(u, fem)
		return words{append(tens.prompts, unit.prompts...), tens.text + "-" + unit.text}
	case n < 80: // soixante-dix .. soixante-dix-neuf
		if n == 71 {
			return words{[]string{"60", "et", "11"}, "soixante et onze"}
		}
		unit := frUnit(n-60, fem)
		return words{append([]string{"60"}, unit.prompts...), "soixante-" + unit.text}
	default: // quatre-vingts .. quatre-vingt-dix-neuf, never with "et"
		if n == 80 {
			return words{[]string{"80"}, "quatre-vingts"}
		}
		unit := frUnit(n-80, fem)
		return words{append([]string{"80"}, unit.prompts...), "quatre-vingt-" + unit.text}
	}
}

func frNumber(n int, fem bool) words {
	if n == 0 {
		return frUnit(0, fem)
	}
	var w words
	var text []string
	add := func(x words) {
		w.prompts = append(w.prompts, x.prompts...)
		text = append(text, x.text)
	}
	if th := n / 1000; th > 0 {
		if th > 1 {
			add(frBelow100(th, false))
		}
		add(words{[]string{"mille"}, "mille"}) // mille is invariable
	}
	rest := n % 1000
	if h := rest / 100; h > 0 {
		if h > 1 {
			add(frUnit(h, false))
		}
		cent := "cent"
		if h > 1 && rest%100 == 0 {
			cent = "cents" // deux cents, but deux cent un
		}
		add(words{[]string{"cent"}, cent})
	}
	if r := rest % 100; r > 0 {
		add(frBelow100(r, fem))
	}
	w.text = strings.Join(text, " ")
	return w
}

func enBelow100(n int) words {
	if n <= 20 {
		return words{[]string{strconv.Itoa(n)}, field(enUnitsText, n)}
	}
	t, u := n/10*10, n%10
	tens := words{[]string{strconv.Itoa(t)}, field(enTensText, t/10-2)}
	if u == 0 {
		return tens
	}
	return words{append(tens.prompts, strconv.Itoa(u)), tens.text + "-" + field(enUnitsText, u)}
}

func enNumber(n int) words {
	if n == 0 {
		return enBelow100(0)
	}
	var w words
	var text []string
	add := func(x words) {
		w.prompts = append(w.prompts, x.prompts...)
		text = append(text, x.text)
	}
	if th := n / 1000; th > 0 {
		add(enBelow100(th))
		add(words{[]string{"thousand"}, "thousand"})
	}
	rest := n % 1000
	if h := rest / 100; h > 0 {
		add(enBelow100(h))
		add(words{[]string{"hundred"}, "hundred"})
	}
	if r := rest % 100; r > 0 {
		add(enBelow100(r))
	}
	w.text = strings.Join(text, " ")
	return w
}

package model

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// ReasonKind says which of a tenant's editable desk lists a reason is in.
type ReasonKind string

// Reason kinds: the dispositions an agent picks at wrap-up and the reasons
// an agent gives for being not ready.
const (
	ReasonDisposition ReasonKind = "disposition"
	ReasonNotReady    ReasonKind = "not_ready"
)

// MaxReasonCodeLen bounds a reason's code.
const MaxReasonCodeLen = 40

var reasonCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Reason is one entry of a tenant's disposition or not-ready list: the
// code stored on the contact or the agent's state, the label agents see,
// and its place in the list. A tenant with an empty list gets the built-in
// one (the desk's translated defaults).
type Reason struct {
	ID       int64      `json:"id"`
	TenantID int64      `json:"tenant_id"`
	Kind     ReasonKind `json:"-"`
	Code     string     `json:"code"`
	Label    string     `json:"label"`
	// Position orders the list (lower first, then by code).
	Position int `json:"position"`
}

// Validate checks the fields a client may set.
func (r *Reason) Validate() error {
	if r.Code == "" {
		return invalidKey("code", "required", nil, "is required")
	}
	if len(r.Code) > MaxReasonCodeLen || !reasonCodeRE.MatchString(r.Code) {
		return invalidKey("code", "list_code", Params{"max": MaxReasonCodeLen, "got": r.Code},
			"must be at most %d lower-case letters, digits, _ or - (got %q)", MaxReasonCodeLen, r.Code)
	}
	if err := checkName("label", r.Label); err != nil {
		return err
	}
	return checkRange("position", r.Position, 0, MaxPriority)
}

// WidgetSettings is how a chat entry point's widget looks and what it
// says: the brand's colour and the text colour on it, a logo, a greeting
// above the start form, and the text shown out of hours. Empty fields keep
// the widget's defaults.
type WidgetSettings struct {
	EntryPointID int64 `json:"entry_point_id"`
	// Colour is the launcher's and the header's background, TextColour the
	// text on it: "#rrggbb", at least 4.5:1 apart (WCAG AA).
	Colour     string `json:"colour"`
	TextColour string `json:"text_colour"`
	// LogoURL is an https:// address (or a path on this server) of an image.
	LogoURL  string `json:"logo_url"`
	Greeting string `json:"greeting"`
	// ClosedText is shown instead of the built-in notice out of hours (the
	// reopening time follows it).
	ClosedText string `json:"closed_text"`
}

var colourRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// MinContrast is the contrast ratio the widget's colours must reach.
const MinContrast = 4.5

// Validate checks the fields a client may set.
func (w *WidgetSettings) Validate() error {
	for _, c := range []struct{ field, v string }{{"colour", w.Colour}, {"text_colour", w.TextColour}} {
		if c.v != "" && !colourRE.MatchString(c.v) {
			return invalidKey(c.field, "colour", Params{"got": c.v}, "must be a colour #rrggbb (got %q)", c.v)
		}
	}
	if (w.Colour == "") != (w.TextColour == "") {
		field := "text_colour"
		if w.Colour == "" {
			field = "colour"
		}
		return invalidKey(field, "required", nil, "colour and text_colour go together")
	}
	if w.Colour != "" {
		if r := Contrast(w.Colour, w.TextColour); r < MinContrast {
			return invalidKey("text_colour", "contrast", Params{"got": fmt.Sprintf("%.1f", r), "min": MinContrast},
				"must contrast with colour at least %.1f:1 (got %.1f:1)", MinContrast, r)
		}
	}
	if w.LogoURL != "" {
		if err := checkText("logo_url", w.LogoURL, MaxTextLen); err != nil {
			return err
		}
		if !(strings.HasPrefix(w.LogoURL, "https://") || (strings.HasPrefix(w.LogoURL, "/") && !strings.HasPrefix(w.LogoURL, "//"))) ||
			strings.ContainsAny(w.LogoURL, " \"'<>\\") {
			return invalidKey("logo_url", "logo_url", Params{"got": w.LogoURL}, "must be an https:// address or a path on this server (got %q)", w.LogoURL)
		}
	}
	if err := checkText("greeting", w.Greeting, MaxTextLen); err != nil {
		return err
	}
	return checkText("closed_text", w.ClosedText, MaxTextLen)
}

// Contrast is the WCAG contrast ratio of two "#rrggbb" colours (1 to 21).
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	var r, g, b int
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return 0
	}
	lin := func(c int) float64 {
		v := float64(c) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

package model

import "regexp"

// EntryPointKind is how customers reach an entry point.
type EntryPointKind string

// Entry-point kinds.
const (
	EntryChat  EntryPointKind = "chat"
	EntryPhone EntryPointKind = "phone"
)

// EntryPointKinds lists the known entry-point kinds.
func EntryPointKinds() []EntryPointKind { return []EntryPointKind{EntryChat, EntryPhone} }

// EntryPoint maps a public address (a chat key or a phone number / SIP
// user) to a queue. Addresses are unique per kind across all tenants, since
// an incoming contact is routed to its tenant by address alone.
type EntryPoint struct {
	ID       int64          `json:"id"`
	TenantID int64          `json:"tenant_id"`
	Kind     EntryPointKind `json:"kind"`
	// Address is a chat key such as "demo" for chat, or a phone number in
	// E.164 form ("+33123456789") or a SIP user for phone.
	Address    string `json:"address"`
	QueueID    int64  `json:"queue_id"`
	ScheduleID *int64 `json:"schedule_id"`
	Welcome    string `json:"welcome"`
	// Menu is a phone entry point's optional one-level voice menu (nil:
	// none, callers go straight to QueueID).
	Menu *Menu `json:"menu"`
	// MenuPromptMS is the length of the menu's recorded prompt in
	// milliseconds, 0 while none is uploaded (read-only: the prompt is
	// uploaded apart, PUT .../entry-points/{id}/menu-prompt).
	MenuPromptMS int `json:"menu_prompt_ms"`
	// MenuPromptVersion changes with each upload (not in the API: it keys
	// the SIP server's cache of prompts).
	MenuPromptVersion int64 `json:"-"`
}

// MaxMenuOptions is the most options a menu offers (keys 1 to 9).
const MaxMenuOptions = 9

// Menu is a phone entry point's one-level voice menu. The caller hears the
// welcome, the entry point's recorded menu prompt (what each key is for),
// then "to speak to an advisor, press 0"; one key chooses the queue. 0
// always reaches a human: the entry point's own queue; so do silence and
// wrong keys once the menu was said three times. Only keys 1 to 9 are
// options.
type Menu struct {
	Options []MenuOption `json:"options"`
}

// MenuOption is one key of a menu and the queue it leads to.
type MenuOption struct {
	Key     string `json:"key"` // "1" to "9"
	QueueID int64  `json:"queue_id"`
	// Label says what the option is for (admin pages, reports); the caller
	// hears the recorded prompt, not the label.
	Label string `json:"label"`
}

// Active reports whether the menu has options to offer.
func (m *Menu) Active() bool { return m != nil && len(m.Options) > 0 }

// Queue returns the queue of key, false when key is not an option.
func (m *Menu) Queue(key rune) (int64, bool) {
	if m == nil {
		return 0, false
	}
	for _, o := range m.Options {
		if len(o.Key) == 1 && rune(o.Key[0]) == key {
			return o.QueueID, true
		}
	}
	return 0, false
}

// Validate checks the menu's options: keys 1 to 9, each once; 0 is the
// human's and never an option.
func (m *Menu) Validate() error {
	if len(m.Options) > MaxMenuOptions {
		return invalidKey("menu.options", "menu_too_many", Params{"max": MaxMenuOptions}, "must have at most %d options (keys 1 to 9)", MaxMenuOptions)
	}
	seen := map[string]bool{}
	for i, o := range m.Options {
		if o.Key == "0" {
			return invalidKey(indexed("menu.options", i, "key"), "menu_key_zero", nil, "0 always reaches the entry point's own queue and cannot be an option")
		}
		if len(o.Key) != 1 || o.Key[0] < '1' || o.Key[0] > '9' {
			return invalidKey(indexed("menu.options", i, "key"), "menu_key", Params{"got": o.Key}, "must be one key from 1 to 9 (got %q)", o.Key)
		}
		if seen[o.Key] {
			return invalidKey(indexed("menu.options", i, "key"), "menu_key_twice", Params{"key": o.Key}, "key %s is used twice", o.Key)
		}
		seen[o.Key] = true
		if err := checkID(indexed("menu.options", i, "queue_id"), o.QueueID); err != nil {
			return err
		}
		if err := checkText(indexed("menu.options", i, "label"), o.Label, MaxNameLen); err != nil {
			return err
		}
	}
	return nil
}

var (
	e164RE    = regexp.MustCompile(`^\+[1-9][0-9]{5,14}$`)
	sipUserRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// ValidE164 reports whether s is a number in E.164 form ("+33123456789"),
// as phone entry points and callback numbers are written.
func ValidE164(s string) bool { return e164RE.MatchString(s) }

// ValidSIPUser reports whether s is a SIP user a phone entry point may be.
func ValidSIPUser(s string) bool { return sipUserRE.MatchString(s) }

// Validate checks the fields a client may set.
func (e *EntryPoint) Validate() error {
	if err := checkEnum("kind", e.Kind, EntryPointKinds()); err != nil {
		return err
	}
	if e.Address == "" {
		return invalidKey("address", "required", nil, "must not be empty")
	}
	if len(e.Address) > MaxAddressLen {
		return invalidKey("address", "too_long", Params{"max": MaxAddressLen, "got": len(e.Address)}, "must be at most %d characters", MaxAddressLen)
	}
	switch e.Kind {
	case EntryChat:
		if !slugRE.MatchString(e.Address) {
			return invalidKey("address", "address_chat", Params{"got": e.Address}, "a chat key must be lower-case letters, digits, '-' or '_' (got %q)", e.Address)
		}
	case EntryPhone:
		if e.Address[0] == '+' {
			if !e164RE.MatchString(e.Address) {
				return invalidKey("address", "address_phone", Params{"got": e.Address}, "a phone number must be in E.164 form such as +33123456789 (got %q)", e.Address)
			}
		} else if !sipUserRE.MatchString(e.Address) {
			return invalidKey("address", "address_format", Params{"got": e.Address}, "must be an E.164 number or a SIP user of letters, digits, '.', '_' or '-' (got %q)", e.Address)
		}
	}
	if err := checkID("queue_id", e.QueueID); err != nil {
		return err
	}
	if err := checkOptionalID("schedule_id", e.ScheduleID); err != nil {
		return err
	}
	if err := checkText("welcome", e.Welcome, MaxTextLen); err != nil {
		return err
	}
	if e.Menu != nil {
		if e.Kind != EntryPhone {
			return invalidKey("menu", "menu_phone_only", nil, "only phone entry points have a voice menu")
		}
		return e.Menu.Validate()
	}
	return nil
}

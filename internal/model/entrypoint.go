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
		return invalid("address", "must not be empty")
	}
	if len(e.Address) > MaxAddressLen {
		return invalid("address", "must be at most %d characters", MaxAddressLen)
	}
	switch e.Kind {
	case EntryChat:
		if !slugRE.MatchString(e.Address) {
			return invalid("address", "a chat key must be lower-case letters, digits, '-' or '_' (got %q)", e.Address)
		}
	case EntryPhone:
		if e.Address[0] == '+' {
			if !e164RE.MatchString(e.Address) {
				return invalid("address", "a phone number must be in E.164 form such as +33123456789 (got %q)", e.Address)
			}
		} else if !sipUserRE.MatchString(e.Address) {
			return invalid("address", "must be an E.164 number or a SIP user of letters, digits, '.', '_' or '-' (got %q)", e.Address)
		}
	}
	if err := checkID("queue_id", e.QueueID); err != nil {
		return err
	}
	if err := checkOptionalID("schedule_id", e.ScheduleID); err != nil {
		return err
	}
	return checkText("welcome", e.Welcome, MaxTextLen)
}

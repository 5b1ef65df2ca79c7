package model

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The workforce register (internal/workforce): an employee is the HR side
// of a person working for the provider, agent or not (supervisors,
// trainers). Only what the label's indicators need is kept: no birth
// date, address or pay.

// Contract is an employment contract's kind.
type Contract string

// Contract kinds.
const (
	ContractPermanent  Contract = "permanent"  // CDI
	ContractFixedTerm  Contract = "fixed_term" // CDD
	ContractTemporary  Contract = "temporary"  // intérim
	ContractApprentice Contract = "apprentice" // apprentissage, alternance
)

// Contracts lists the contract kinds.
func Contracts() []Contract {
	return []Contract{ContractPermanent, ContractFixedTerm, ContractTemporary, ContractApprentice}
}

// ParseContract reads a contract kind, also under its French name (CDI,
// CDD, intérim, apprenti), case-insensitive.
func ParseContract(s string) (Contract, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "permanent", "cdi":
		return ContractPermanent, true
	case "fixed_term", "fixed-term", "cdd":
		return ContractFixedTerm, true
	case "temporary", "interim", "intérim":
		return ContractTemporary, true
	case "apprentice", "apprenti", "apprentissage", "alternance":
		return ContractApprentice, true
	}
	return "", false
}

// ExitReason is why an employee left.
type ExitReason string

// Exit reasons.
const (
	ExitResignation   ExitReason = "resignation"     // démission
	ExitEndOfContract ExitReason = "end_of_contract" // fin de CDD, de mission, d'apprentissage
	ExitDismissal     ExitReason = "dismissal"       // licenciement
	ExitMutual        ExitReason = "mutual_agreement"
	ExitRetirement    ExitReason = "retirement"
	ExitTrialPeriod   ExitReason = "trial_period" // fin de période d'essai
	ExitTransfer      ExitReason = "transfer"     // to another company of the group
	ExitOther         ExitReason = "other"
)

// ExitReasons lists the exit reasons.
func ExitReasons() []ExitReason {
	return []ExitReason{ExitResignation, ExitEndOfContract, ExitDismissal, ExitMutual, ExitRetirement, ExitTrialPeriod, ExitTransfer, ExitOther}
}

// Milli is an exact decimal with three places, kept as thousandths: a
// full-time equivalent (1.000 is full time, 0.800 four days in five) or
// hours of training. JSON writes and reads it as a plain number (0.8),
// never through a float.
type Milli int64

// String writes m with the fewest decimals needed (0.8, 1, 12.25).
func (m Milli) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := strconv.FormatInt(int64(m/1000), 10)
	if f := int64(m % 1000); f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", f), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseMilli reads a decimal with at most three decimals ("0.8", "1",
// "12,25": a comma is taken for the decimal point).
func ParseMilli(s string) (Milli, error) {
	s = strings.Replace(strings.TrimSpace(s), ",", ".", 1)
	if s == "" {
		return 0, fmt.Errorf("is empty")
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 3 {
		return 0, fmt.Errorf("has more than 3 decimals (%q)", s)
	}
	for _, p := range []string{whole, frac} {
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("is not a number (%q)", s)
			}
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1_000_000_000 {
		return 0, fmt.Errorf("is out of range (%q)", s)
	}
	f, _ := strconv.ParseInt((frac + "000")[:3], 10, 64)
	v := Milli(w*1000 + f)
	if neg {
		v = -v
	}
	return v, nil
}

// MarshalJSON writes m as a JSON number.
func (m Milli) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number (or a string holding one).
func (m *Milli) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := ParseMilli(s)
	if err != nil || strings.ContainsAny(s, "eE") {
		// The decoder names the field of a type error.
		return &json.UnmarshalTypeError{Value: "number " + s + " (at most 3 decimals)", Type: reflect.TypeFor[Milli]()}
	}
	*m = v
	return nil
}

// Float is m as a float64, for ratios.
func (m Milli) Float() float64 { return float64(m) / 1000 }

// Training is a stretch of training an employee took.
type Training struct {
	Date    string `json:"date"` // YYYY-MM-DD
	Hours   Milli  `json:"hours"`
	Subject string `json:"subject"`
}

// Employee is a person in the workforce register.
type Employee struct {
	ID       int64 `json:"id"`
	TenantID int64 `json:"tenant_id"`
	// Ref is the personnel number, unique in the tenant: what the CSV
	// import matches rows on.
	Ref string `json:"ref"`
	// Name is how the admins know the person (it may be initials); it is
	// never in the barometer or the open data.
	Name string `json:"name"`
	// Job is the position: téléconseiller, supervisor, trainer...
	Job    string `json:"job"`
	SiteID int64  `json:"site_id"`
	// AgentID and UserID link the person to their agent and user, if any.
	AgentID     *int64   `json:"agent_id"`
	UserID      *int64   `json:"user_id"`
	Homeshoring bool     `json:"homeshoring"`
	Contract    Contract `json:"contract"`
	// FTE is the full-time equivalent, more than 0 and at most 1.
	FTE      Milli  `json:"fte"`
	HireDate string `json:"hire_date"` // YYYY-MM-DD, the first day under contract
	// ExitDate is the last day under contract (nil: still employed).
	ExitDate   *string    `json:"exit_date"`
	ExitReason ExitReason `json:"exit_reason"`
	// Disability tells a recognised disability (RQTH in France); optional,
	// false when not declared.
	Disability bool       `json:"disability_recognition"`
	Training   []Training `json:"training"`
}

// Bounds of an employee's fields.
const (
	MaxRefLen           = 64
	MaxTrainingRecords  = 500
	MaxTrainingHours    = 24 * 1000 // one record, in thousandths: 24 h
	MaxEmployeesPerFile = 20000
)

func checkDate(field, v string) error {
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return invalid(field, "must be a date YYYY-MM-DD (got %q)", v)
	}
	return nil
}

// Validate checks the fields a client may set.
func (e *Employee) Validate() error {
	if err := checkName("ref", e.Ref); err != nil {
		return err
	}
	if err := checkText("ref", e.Ref, MaxRefLen); err != nil {
		return err
	}
	if err := checkText("name", e.Name, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("job", e.Job, MaxNameLen); err != nil {
		return err
	}
	if err := checkID("site_id", e.SiteID); err != nil {
		return err
	}
	if err := checkOptionalID("agent_id", e.AgentID); err != nil {
		return err
	}
	if err := checkOptionalID("user_id", e.UserID); err != nil {
		return err
	}
	if err := checkEnum("contract", e.Contract, Contracts()); err != nil {
		return err
	}
	switch {
	case e.FTE < 0:
		return invalid("fte", "must not be negative (got %s)", e.FTE)
	case e.FTE == 0:
		return invalid("fte", "must be more than 0 (1 is full time)")
	case e.FTE > 1000:
		return invalid("fte", "must be at most 1 (full time; got %s)", e.FTE)
	}
	if err := checkDate("hire_date", e.HireDate); err != nil {
		return err
	}
	if e.ExitDate != nil {
		if err := checkDate("exit_date", *e.ExitDate); err != nil {
			return err
		}
		if *e.ExitDate < e.HireDate {
			return invalid("hire_date", "must not be after the exit date (%s > %s)", e.HireDate, *e.ExitDate)
		}
		if err := checkEnum("exit_reason", e.ExitReason, ExitReasons()); err != nil {
			return err
		}
	} else if e.ExitReason != "" {
		return invalid("exit_reason", "needs an exit_date")
	}
	if len(e.Training) > MaxTrainingRecords {
		return invalid("training", "at most %d records", MaxTrainingRecords)
	}
	for i, t := range e.Training {
		if err := checkDate(indexed("training", i, "date"), t.Date); err != nil {
			return err
		}
		if t.Hours <= 0 || t.Hours > MaxTrainingHours {
			return invalid(indexed("training", i, "hours"), "must be more than 0 and at most 24 (got %s)", t.Hours)
		}
		if err := checkText(indexed("training", i, "subject"), t.Subject, MaxNameLen); err != nil {
			return err
		}
	}
	return nil
}

// EmployedAt tells whether e is under contract at the end of day d
// (YYYY-MM-DD): hired on or before d, and not left on or before d.
func (e *Employee) EmployedAt(d string) bool {
	return e.HireDate <= d && (e.ExitDate == nil || *e.ExitDate > d)
}

// PlannedShare is the France share of the paid hours of a published shift
// plan for one month (what `plateau schedule` and the planning API
// compute): kept so the label's indicators show planned beside actual.
type PlannedShare struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Period   string `json:"period"` // YYYY-MM
	// TotalHours and FranceHours are the plan's paid hours, all and in
	// France (wfm.Plan's total_hours and france_hours).
	TotalHours  Milli     `json:"total_hours"`
	FranceHours Milli     `json:"france_hours"`
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by"`
}

// Validate checks the fields a client may set.
func (p *PlannedShare) Validate() error {
	if _, err := time.Parse("2006-01", p.Period); err != nil {
		return invalid("period", "must be a month YYYY-MM (got %q)", p.Period)
	}
	if p.TotalHours < 0 {
		return invalid("total_hours", "must not be negative")
	}
	if p.FranceHours < 0 {
		return invalid("france_hours", "must not be negative")
	}
	if p.FranceHours > p.TotalHours {
		return invalid("france_hours", "must not be more than total_hours (%s > %s)", p.FranceHours, p.TotalHours)
	}
	return nil
}

package workforce

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/plateau-cc/plateau/internal/model"
)

// The register's CSV: one employee a line, a header first. site is the
// site's name (or id); training lists the records as
// date:hours[:subject] separated by ";" (2026-01-05:7:onboarding;2026-02-01:3.5);
// booleans are yes/no (also true/false, 1/0, oui/non); contracts take
// their French names too (CDI, CDD, intérim, apprenti). Export writes the
// same columns, so an exported file imports back unchanged.

// CSVColumns are the register's CSV columns, in order; ref, site,
// contract, fte and hire_date are required in an import.
var CSVColumns = []string{"ref", "name", "job", "site", "agent_id", "user_id", "homeshoring", "contract", "fte",
	"hire_date", "exit_date", "exit_reason", "disability_recognition", "training"}

var requiredColumns = []string{"ref", "site", "contract", "fte", "hire_date"}

// RowError is the refusal of a CSV file: the line (the header is line 1)
// and the column at fault.
type RowError struct {
	Line    int
	Field   string
	Message string
}

func (e *RowError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("column %s: %s", e.Field, e.Message)
	}
	return fmt.Sprintf("line %d, field %s: %s", e.Line, e.Field, e.Message)
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "false", "0", "non", "n":
		return false, true
	case "yes", "true", "1", "oui", "y", "o":
		return true, true
	}
	return false, false
}

func optID(s string) (*int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return nil, false
	}
	return &v, true
}

// csvField maps a validation field to its CSV column.
func csvField(f string) string {
	switch {
	case strings.HasPrefix(f, "training"):
		return "training"
	case f == "site_id":
		return "site"
	case f == "disability":
		return "disability_recognition"
	}
	return f
}

// ParseCSV reads a register file against the tenant's sites, returning
// the employees and the line each came from. The first bad line refuses
// the whole file, as a *RowError.
func ParseCSV(r io.Reader, sites []model.Site) ([]model.Employee, []int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, &RowError{Line: 1, Field: "header", Message: "the file is empty: it needs a header line (" + strings.Join(CSVColumns, ",") + ")"}
	}
	if err != nil {
		return nil, nil, csvErr(err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range CSVColumns {
			if c == h {
				known = true
			}
		}
		if !known {
			return nil, nil, &RowError{Line: 1, Field: h, Message: "unknown column (the columns are " + strings.Join(CSVColumns, ", ") + ")"}
		}
		if _, dup := col[h]; dup {
			return nil, nil, &RowError{Line: 1, Field: h, Message: "column given twice"}
		}
		col[h] = i
	}
	for _, c := range requiredColumns {
		if _, ok := col[c]; !ok {
			return nil, nil, &RowError{Line: 1, Field: c, Message: "required column missing"}
		}
	}
	byName := map[string]int64{}
	byID := map[int64]bool{}
	for _, s := range sites {
		byName[strings.ToLower(s.Name)] = s.ID
		byID[s.ID] = true
	}
	var (
		out   []model.Employee
		lines []int
	)
	refs := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		bad := func(field, format string, args ...any) error {
			return &RowError{Line: line, Field: field, Message: fmt.Sprintf(format, args...)}
		}
		if len(out) >= model.MaxEmployeesPerFile {
			return nil, nil, bad("ref", "a file holds at most %d employees", model.MaxEmployeesPerFile)
		}
		e := model.Employee{Ref: get("ref"), Name: get("name"), Job: get("job"), Training: []model.Training{}}
		site := get("site")
		if id, ok := byName[strings.ToLower(site)]; ok {
			e.SiteID = id
		} else if id, err := strconv.ParseInt(site, 10, 64); err == nil && byID[id] {
			e.SiteID = id
		} else if site == "" {
			return nil, nil, bad("site", "is required")
		} else {
			return nil, nil, bad("site", "no site %q in this tenant", site)
		}
		var ok bool
		if e.AgentID, ok = optID(get("agent_id")); !ok {
			return nil, nil, bad("agent_id", "must be an agent id or empty (got %q)", get("agent_id"))
		}
		if e.UserID, ok = optID(get("user_id")); !ok {
			return nil, nil, bad("user_id", "must be a user id or empty (got %q)", get("user_id"))
		}
		if e.Homeshoring, ok = parseBool(get("homeshoring")); !ok {
			return nil, nil, bad("homeshoring", "must be yes or no (got %q)", get("homeshoring"))
		}
		if e.Disability, ok = parseBool(get("disability_recognition")); !ok {
			return nil, nil, bad("disability_recognition", "must be yes or no (got %q)", get("disability_recognition"))
		}
		if c, ok := model.ParseContract(get("contract")); ok {
			e.Contract = c
		} else {
			return nil, nil, bad("contract", "must be permanent (CDI), fixed_term (CDD), temporary (intérim) or apprentice (got %q)", get("contract"))
		}
		fte, err := model.ParseMilli(get("fte"))
		if err != nil {
			return nil, nil, bad("fte", "%s", err)
		}
		e.FTE = fte
		e.HireDate = get("hire_date")
		if d := get("exit_date"); d != "" {
			e.ExitDate = &d
		}
		e.ExitReason = model.ExitReason(get("exit_reason"))
		if tr := get("training"); tr != "" {
			for _, item := range strings.Split(tr, ";") {
				item = strings.TrimSpace(item)
				if item == "" {
					continue
				}
				parts := strings.SplitN(item, ":", 3)
				if len(parts) < 2 {
					return nil, nil, bad("training", "%q: want date:hours[:subject]", item)
				}
				h, err := model.ParseMilli(parts[1])
				if err != nil {
					return nil, nil, bad("training", "%q: hours %s", item, err)
				}
				t := model.Training{Date: strings.TrimSpace(parts[0]), Hours: h}
				if len(parts) == 3 {
					t.Subject = strings.TrimSpace(parts[2])
				}
				e.Training = append(e.Training, t)
			}
		}
		if err := e.Validate(); err != nil {
			if ve, ok := model.AsValidationError(err); ok {
				return nil, nil, bad(csvField(ve.Field), "%s", ve.Message)
			}
			return nil, nil, bad("ref", "%s", err)
		}
		if first, dup := refs[e.Ref]; dup {
			return nil, nil, bad("ref", "%q is already on line %d", e.Ref, first)
		}
		refs[e.Ref] = line
		out = append(out, e)
		lines = append(lines, line)
	}
	if len(out) == 0 {
		return nil, nil, &RowError{Line: 2, Field: "ref", Message: "the file has no employee"}
	}
	return out, lines, nil
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{Line: pe.Line, Field: "csv", Message: pe.Err.Error()}
	}
	return &RowError{Field: "csv", Message: err.Error()}
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// WriteCSV writes employees in the register's CSV.
func WriteCSV(w io.Writer, employees []model.Employee, sites []model.Site) error {
	name := map[int64]string{}
	for _, s := range sites {
		name[s.ID] = s.Name
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	id := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, e := range employees {
		exit := ""
		if e.ExitDate != nil {
			exit = *e.ExitDate
		}
		var tr []string
		for _, t := range e.Training {
			s := t.Date + ":" + t.Hours.String()
			if t.Subject != "" {
				s += ":" + strings.ReplaceAll(t.Subject, ";", ",")
			}
			tr = append(tr, s)
		}
		site := name[e.SiteID]
		if site == "" {
			site = strconv.FormatInt(e.SiteID, 10)
		}
		if err := cw.Write([]string{e.Ref, e.Name, e.Job, site, id(e.AgentID), id(e.UserID), yes(e.Homeshoring), string(e.Contract),
			e.FTE.String(), e.HireDate, exit, string(e.ExitReason), yes(e.Disability), strings.Join(tr, ";")}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

package api

import (
	"bufio"
	"context"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/plateau-cc/plateau/internal/store"
)

// The contacts CSV, written by hand: a row is appended to one reused
// buffer (strconv.Append*, timestamps and seconds formatted without a
// time.Time or a float where the value allows) and goes out through one
// bufio.Writer. The bytes are those encoding/csv writes for the fields
// the search's JSON gives (TestContactsCSVMatchesEncodingCSV).

// contactsCSVBuffer is the size of the writer between the rows and the response.
const contactsCSVBuffer = 64 << 10

// streamContactsCSV writes every contact of the search as CSV, a page of
// rows at a time (store.ExportContacts): memory stays constant whatever
// the number of contacts.
func (a *API) streamContactsCSV(ctx context.Context, c *call, f store.InteractionFilter) error {
	c.w.Header().Set("Content-Type", textCSV+"; charset=utf-8")
	c.w.Header().Set("Content-Disposition", `attachment; filename="contacts.csv"`)
	bw := bufio.NewWriterSize(c.w, contactsCSVBuffer)
	line := make([]byte, 0, 1024)
	for i, h := range contactCSVHeader {
		if i > 0 {
			line = append(line, ',')
		}
		line = appendCSVField(line, []byte(h), false)
	}
	line = append(line, '\n')
	_, err := bw.Write(line)
	n := 0
	if err == nil {
		err = a.st.ExportContacts(ctx, c.tid, f, func(r *store.ContactRow) error {
			line = appendContactCSV(line[:0], r)
			n++
			_, err := bw.Write(line)
			return err
		})
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		a.log.WarnContext(ctx, "stream contacts CSV", "tenant", c.tid, "rows", n, "err", err)
	}
	return errWritten
}

// appendContactCSV appends r's line, in contactCSVHeader's order.
func appendContactCSV(b []byte, r *store.ContactRow) []byte {
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, ',')
	b = appendRFC3339(b, r.ArrivedUS)
	b = append(b, ',')
	b = appendCSVField(b, r.Channel, false)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.QueueID, 10)
	b = append(b, ',')
	b = appendOptInt(b, r.EntryPointID.Int64, r.EntryPointID.Valid)
	b = append(b, ',')
	b = appendCSVField(b, r.Tier, false)
	b = append(b, ',')
	b = appendCSVField(b, r.State, false)
	b = append(b, ',')
	b = appendCSVField(b, r.EndedReason, false)
	b = append(b, ',')
	if r.Answered.Valid {
		b = appendRFC3339(b, r.Answered.US)
	}
	b = append(b, ',')
	if r.Ended.Valid {
		b = appendRFC3339(b, r.Ended.US)
	}
	b = append(b, ',')
	b = appendOptInt(b, r.AgentID.Int64, r.AgentID.Valid)
	b = append(b, ',')
	b = appendCSVField(b, r.CustomerName, true)
	b = append(b, ',')
	b = appendCSVField(b, r.CustomerPhone, true)
	b = append(b, ',')
	b = appendCSVField(b, r.CustomerEmail, true)
	b = append(b, ',')
	// The wait: to the answer, else to the end (as the search counts it).
	var wait, actual int64
	switch {
	case r.Answered.Valid:
		wait = r.Answered.US - r.ArrivedUS
		actual = wait
	case r.Ended.Valid:
		wait = r.Ended.US - r.ArrivedUS
	}
	for _, us := range [...]int64{wait, r.TalkUS, r.HoldUS, r.WrapUpUS, r.BillableUS} {
		b = appendSeconds(b, us)
		b = append(b, ',')
	}
	b = appendOptInt(b, r.AnnouncedPosition.Int64, r.AnnouncedPosition.Valid)
	b = append(b, ',')
	b = appendOptInt(b, r.AnnouncedEWTSeconds.Int64, r.AnnouncedEWTSeconds.Valid)
	b = append(b, ',')
	if r.Answered.Valid {
		b = appendSeconds(b, actual)
	}
	b = append(b, ',')
	b = appendCSVField(b, r.MenuChoice, false)
	b = append(b, ',')
	for i, q := range r.QueuePath {
		if i > 0 {
			b = append(b, '>')
		}
		b = strconv.AppendInt(b, q, 10)
	}
	b = append(b, ',')
	b = appendCSVField(b, r.Disposition, true)
	b = append(b, ',')
	b = appendOptInt(b, r.CSATScore.Int64, r.CSATScore.Valid)
	b = append(b, ',')
	b = appendCSVField(b, r.CSATComment, true)
	return append(b, '\n')
}

func appendOptInt(b []byte, v int64, valid bool) []byte {
	if !valid {
		return b
	}
	return strconv.AppendInt(b, v, 10)
}

// appendSeconds appends us microseconds as seconds with 3 decimals, as
// strconv.FormatFloat(seconds, 'f', 3, 64) does: exactly by integers when
// us is a whole number of milliseconds (the float's nearest 3-decimal
// form is then that number), else through the float.
func appendSeconds(b []byte, us int64) []byte {
	if us%1000 != 0 {
		return strconv.AppendFloat(b, (time.Duration(us) * time.Microsecond).Seconds(), 'f', 3, 64)
	}
	ms := us / 1000
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// appendRFC3339 appends the instant us (Unix microseconds) as
// time.RFC3339 in UTC ("2006-01-02T15:04:05Z", the fraction dropped).
func appendRFC3339(b []byte, us int64) []byte {
	sec := us / 1e6
	if us%1e6 < 0 {
		sec--
	}
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	y, m, d := civil(days)
	if y < 0 || y > 9999 {
		return time.UnixMicro(us).UTC().AppendFormat(b, time.RFC3339)
	}
	b = append4(b, int(y))
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, int(rem/3600))
	b = append(b, ':')
	b = append2(b, int(rem/60%60))
	b = append(b, ':')
	b = append2(b, int(rem%60))
	return append(b, 'Z')
}

// civil is the proleptic Gregorian date of days since 1970-01-01 (Howard
// Hinnant's days_from_civil, inverted).
func civil(days int64) (year int64, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	year = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		month = int(mp + 3)
	} else {
		month = int(mp - 9)
	}
	if month <= 2 {
		year++
	}
	return year, month, day
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// appendCSVField appends field as encoding/csv's Writer does (comma ',',
// no CRLF): quoted when it holds a comma, a quote, \r or \n, is `\.`, or
// starts with a space, its quotes doubled. safe first applies
// report.CSVSafe: a customer's text starting with = + - @ \t \r is
// prefixed with ' so that a spreadsheet does not read it as a formula.
func appendCSVField(b, field []byte, safe bool) []byte {
	if len(field) == 0 {
		return b
	}
	prefix := safe && isFormulaStart(field[0])
	quote := false
	if prefix {
		// "'" then the field: never `\.`, and starts with no space.
		quote = needsQuoteChars(field)
	} else {
		quote = needsQuoteChars(field) || (len(field) == 2 && field[0] == '\\' && field[1] == '.') || startsWithSpace(field)
	}
	if !quote {
		if prefix {
			b = append(b, '\'')
		}
		return append(b, field...)
	}
	b = append(b, '"')
	if prefix {
		b = append(b, '\'')
	}
	for _, c := range field {
		if c == '"' {
			b = append(b, '"', '"')
		} else {
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func isFormulaStart(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

func needsQuoteChars(field []byte) bool {
	for _, c := range field {
		if c == '\n' || c == '\r' || c == '"' || c == ',' {
			return true
		}
	}
	return false
}

func startsWithSpace(field []byte) bool {
	if field[0] < utf8.RuneSelf {
		c := field[0]
		return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
	}
	r, _ := utf8.DecodeRune(field)
	return unicode.IsSpace(r)
}

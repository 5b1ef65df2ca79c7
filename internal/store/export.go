package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// OptMicros is an optional instant in microseconds since the Unix epoch (UTC).
type OptMicros struct {
	US    int64
	Valid bool
}

// ContactRow is a contact as ExportContacts reads it. Its slices are
// reused from one row to the next: valid only during the callback.
type ContactRow struct {
	ID, QueueID                                       int64
	EntryPointID, AgentID                             sql.NullInt64
	AnnouncedPosition, AnnouncedEWTSeconds, CSATScore sql.NullInt64
	ArrivedUS                                         int64
	Answered, Ended                                   OptMicros
	Channel, Tier, State, EndedReason                 []byte
	CustomerName, CustomerPhone, CustomerEmail        []byte
	MenuChoice, Disposition, CSATComment              []byte
	QueuePath                                         []int64
	TalkUS, HoldUS, WrapUpUS, BillableUS              int64
	rawPath                                           []byte
}

// exportPage is how many contacts ExportContacts reads per query.
const exportPage = 10_000

// exportCols are the columns ExportContacts reads, in ContactRow's order;
// the timestamps are text on SQLite (parsed by hand), binary on PostgreSQL.
func (d Dialect) exportCols() string {
	t := d.timeText
	return "i.id, i.queue_id, i.entry_point_id, i.agent_id, i.announced_position, i.announced_ewt_seconds, i.csat_score, " +
		t("i.arrived_at") + ", " + t("i.answered_at") + ", " + t("i.ended_at") + ", i.channel, i.tier, i.state, i.ended_reason, " +
		"i.customer_name, i.customer_phone, i.customer_email, i.menu_choice, i.disposition, i.csat_comment, i.queue_path, " +
		"i.talk_us, i.hold_us, i.wrap_up_us, i.billable_us"
}

const exportNCols = 25

// ExportContacts calls fn for each of the tenant's interactions that f
// selects, newest first, as SearchInteractions does, but reading the row
// alone (the handled time is kept on it) into buffers reused from row to
// row, a page of exportPage contacts per query: what the CSV export
// streams. fn returning an error stops the export with it.
func (s *Store) ExportContacts(ctx context.Context, tenantID int64, f InteractionFilter, fn func(*ContactRow) error) error {
	var row ContactRow
	for {
		var (
			n   int
			err error
		)
		if s.dialect == Postgres {
			n, err = s.exportPagePostgres(ctx, tenantID, f, &row, fn)
		} else {
			n, err = s.exportPageSQLite(ctx, tenantID, f, &row, fn)
		}
		if err != nil {
			return err
		}
		if n < exportPage {
			return nil
		}
		f.BeforeArrival, f.BeforeID = time.UnixMicro(row.ArrivedUS).UTC(), row.ID
	}
}

func (s *Store) exportQuery(tenantID int64, f InteractionFilter) (string, []any) {
	where, args, _, _ := searchWhere(tenantID, f)
	return "SELECT " + s.dialect.exportCols() + " FROM interactions i WHERE " + where +
		" ORDER BY i.arrived_at DESC, i.id DESC LIMIT ?", append(args, exportPage)
}

// exportPackedSQLite is the export's one column on SQLite. The driver's
// cost is per column (three calls, each taking the connection's mutex),
// so SQLite formats the row into one text: the numbers and timestamps
// separated by commas (empty: NULL), the byte length of each text, then
// the texts one after the other. SQLite's format() stops a text at a
// U+0000 (which the API refuses, but SQLite would store): the texts then
// fall short of their lengths, and the row is read again column by column.
const exportPackedSQLite = `format('%d,%d,%s,%s,%s,%s,%s,%d,%d,%d,%d,%s,%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%s%s%s%s%s%s%s%s%s%s%s',
	i.id, i.queue_id, i.entry_point_id, i.agent_id, i.announced_position, i.announced_ewt_seconds, i.csat_score,
	i.talk_us, i.hold_us, i.wrap_up_us, i.billable_us, i.arrived_at, i.answered_at, i.ended_at,
	octet_length(i.channel), octet_length(i.tier), octet_length(i.state), octet_length(i.ended_reason),
	octet_length(i.customer_name), octet_length(i.customer_phone), octet_length(i.customer_email),
	octet_length(i.menu_choice), octet_length(i.disposition), octet_length(i.csat_comment), octet_length(i.queue_path),
	i.channel, i.tier, i.state, i.ended_reason, i.customer_name, i.customer_phone, i.customer_email,
	i.menu_choice, i.disposition, i.csat_comment, i.queue_path)`

func (s *Store) exportPageSQLite(ctx context.Context, tenantID int64, f InteractionFilter, row *ContactRow, fn func(*ContactRow) error) (int, error) {
	where, args, _, _ := searchWhere(tenantID, f)
	rows, err := s.conn().query(ctx, "SELECT "+exportPackedSQLite+" FROM interactions i WHERE "+where+
		" ORDER BY i.arrived_at DESC, i.id DESC LIMIT ?", append(args, exportPage)...)
	if err != nil {
		return 0, fail(err, "export interactions")
	}
	defer rows.Close()
	var packed sql.RawBytes
	var slow slowRow
	n := 0
	for rows.Next() {
		if err := rows.Scan(&packed); err != nil {
			return n, fail(err, "export interactions")
		}
		err := row.unpackSQLite(packed)
		if errors.Is(err, errTextCut) {
			err = s.exportRowSQLite(ctx, tenantID, row.ID, row, &slow)
		}
		if err != nil {
			return n, fail(err, "export interactions")
		}
		n++
		if err := fn(row); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fail(err, "export interactions")
	}
	return n, nil
}

var (
	// errPacked: a packed row that is not what exportPackedSQLite makes.
	errPacked = errors.New("malformed packed row")
	// errTextCut: a packed row whose texts fall short of their lengths.
	errTextCut = errors.New("a text of the packed row was cut")
)

// unpackSQLite reads a row packed by exportPackedSQLite into r; its
// slices point into b.
func (r *ContactRow) unpackSQLite(b []byte) error {
	var ints [25]sql.NullInt64
	for k := 0; k < len(ints); k++ {
		if k == 11 { // the three timestamps
			var times [3]OptMicros
			for t := range times {
				i := bytes.IndexByte(b, ',')
				if i < 0 {
					return fmt.Errorf("%w: time %d", errPacked, t+1)
				}
				if i > 0 {
					var err error
					if times[t], err = textMicros(b[:i]); err != nil {
						return fmt.Errorf("interaction %d: %w", ints[0].Int64, err)
					}
				}
				b = b[i+1:]
			}
			if !times[0].Valid {
				return fmt.Errorf("interaction %d: no arrival time", ints[0].Int64)
			}
			r.ArrivedUS, r.Answered, r.Ended = times[0].US, times[1], times[2]
			k = 14
		}
		i := bytes.IndexByte(b, ',')
		if i < 0 {
			return fmt.Errorf("%w: number %d", errPacked, k+1)
		}
		v, ok := packedInt(b[:i])
		if !ok {
			return fmt.Errorf("%w: number %d", errPacked, k+1)
		}
		ints[k], b = v, b[i+1:]
	}
	if !ints[0].Valid || !ints[1].Valid {
		return fmt.Errorf("%w: no id or queue", errPacked)
	}
	r.ID, r.QueueID, r.EntryPointID, r.AgentID = ints[0].Int64, ints[1].Int64, ints[2], ints[3]
	r.AnnouncedPosition, r.AnnouncedEWTSeconds, r.CSATScore = ints[4], ints[5], ints[6]
	r.TalkUS, r.HoldUS, r.WrapUpUS, r.BillableUS = ints[7].Int64, ints[8].Int64, ints[9].Int64, ints[10].Int64
	total := 0
	for _, l := range ints[14:] {
		if !l.Valid || l.Int64 < 0 {
			return fmt.Errorf("%w: text length", errPacked)
		}
		total += int(l.Int64)
	}
	if total != len(b) {
		return fmt.Errorf("interaction %d: %w", r.ID, errTextCut)
	}
	for k, dst := range [...]*[]byte{&r.Channel, &r.Tier, &r.State, &r.EndedReason, &r.CustomerName, &r.CustomerPhone,
		&r.CustomerEmail, &r.MenuChoice, &r.Disposition, &r.CSATComment, &r.rawPath} {
		l := int(ints[14+k].Int64)
		*dst, b = b[:l:l], b[l:]
	}
	return r.parsePath()
}

// packedInt reads a decimal integer; empty is NULL.
func packedInt(f []byte) (sql.NullInt64, bool) {
	if len(f) == 0 {
		return sql.NullInt64{}, true
	}
	neg := f[0] == '-'
	if neg {
		f = f[1:]
	}
	if len(f) == 0 || len(f) > 18 {
		return sql.NullInt64{}, false
	}
	var v int64
	for _, c := range f {
		if c < '0' || c > '9' {
			return sql.NullInt64{}, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return sql.NullInt64{Int64: v, Valid: true}, true
}

// slowRow holds the buffers of exportRowSQLite.
type slowRow struct {
	arrived, answered, ended []byte
	texts                    [11][]byte
}

// exportRowSQLite reads interaction id column by column into r (its
// slices then point into buf): for a row whose packed form was cut.
func (s *Store) exportRowSQLite(ctx context.Context, tenantID, id int64, r *ContactRow, buf *slowRow) error {
	dest := []any{&r.ID, &r.QueueID, &r.EntryPointID, &r.AgentID, &r.AnnouncedPosition, &r.AnnouncedEWTSeconds, &r.CSATScore,
		&buf.arrived, &buf.answered, &buf.ended}
	for k := range buf.texts {
		buf.texts[k] = buf.texts[k][:0]
		dest = append(dest, &buf.texts[k])
	}
	dest = append(dest, &r.TalkUS, &r.HoldUS, &r.WrapUpUS, &r.BillableUS)
	if err := s.conn().queryRow(ctx, "SELECT "+s.dialect.exportCols()+" FROM interactions i WHERE i.tenant_id = ? AND i.id = ?",
		tenantID, id).Scan(dest...); err != nil {
		return fmt.Errorf("read interaction %d: %w", id, err)
	}
	a, err := textMicros(buf.arrived)
	if err == nil && !a.Valid {
		err = fmt.Errorf("interaction %d: no arrival time", id)
	}
	if err == nil {
		r.ArrivedUS = a.US
		r.Answered, err = textMicros(buf.answered)
	}
	if err == nil {
		r.Ended, err = textMicros(buf.ended)
	}
	if err != nil {
		return err
	}
	r.Channel, r.Tier, r.State, r.EndedReason = buf.texts[0], buf.texts[1], buf.texts[2], buf.texts[3]
	r.CustomerName, r.CustomerPhone, r.CustomerEmail = buf.texts[4], buf.texts[5], buf.texts[6]
	r.MenuChoice, r.Disposition, r.CSATComment, r.rawPath = buf.texts[7], buf.texts[8], buf.texts[9], buf.texts[10]
	return r.parsePath()
}

// textMicros reads a timestamp SQLite stored as text (NULL: not valid).
func textMicros(b []byte) (OptMicros, error) {
	if b == nil {
		return OptMicros{}, nil
	}
	var d dbTime
	if err := d.parse(string(b)); err != nil {
		return OptMicros{}, err
	}
	return OptMicros{US: d.T.UnixMicro(), Valid: true}, nil
}

// parsePath reads rawPath, the JSON list of queue ids, into QueuePath
// (the queue alone when empty: stored before queue paths were kept).
func (r *ContactRow) parsePath() error {
	r.QueuePath = r.QueuePath[:0]
	b := r.rawPath
	if len(b) == 0 {
		r.QueuePath = append(r.QueuePath, r.QueueID)
		return nil
	}
	// The store writes [1,2,3]; anything else is read the slow way.
	if len(b) >= 2 && b[0] == '[' && b[len(b)-1] == ']' {
		ok, v, digits := true, int64(0), 0
		for _, c := range b[1 : len(b)-1] {
			switch {
			case c >= '0' && c <= '9' && digits < 18:
				v, digits = v*10+int64(c-'0'), digits+1
			case c == ',' && digits > 0:
				r.QueuePath, v, digits = append(r.QueuePath, v), 0, 0
			default:
				ok = false
			}
		}
		if ok && digits > 0 {
			r.QueuePath = append(r.QueuePath, v)
			return nil
		}
		if ok && len(b) == 2 {
			r.QueuePath = append(r.QueuePath, r.QueueID)
			return nil
		}
		r.QueuePath = r.QueuePath[:0]
	}
	ids, err := idList(string(b), "queue_path")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		ids = []int64{r.QueueID}
	}
	r.QueuePath = append(r.QueuePath, ids...)
	return nil
}

// pgEpochMicros is PostgreSQL's epoch (2000-01-01 UTC) in Unix microseconds.
const pgEpochMicros = 946_684_800_000_000

// exportPagePostgres reads a page through pgx itself, in binary, each
// value decoded from the wire's bytes: database/sql would make a value
// (and for text a string) of every column of every row.
func (s *Store) exportPagePostgres(ctx context.Context, tenantID int64, f InteractionFilter, row *ContactRow, fn func(*ContactRow) error) (int, error) {
	q, args := s.exportQuery(tenantID, f)
	q = rebind(Postgres, q)
	dbc, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fail(err, "export interactions")
	}
	defer dbc.Close()
	n := 0
	err = dbc.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("export interactions: driver connection %T is not pgx's", dc)
		}
		rows, err := sc.Conn().Query(ctx, q, append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := checkExportTypes(rows.FieldDescriptions()); err != nil {
			return err
		}
		for rows.Next() {
			v := rows.RawValues()
			if len(v) != exportNCols {
				return fmt.Errorf("%d columns, want %d", len(v), exportNCols)
			}
			row.ID, row.QueueID = pgInt(v[0]).Int64, pgInt(v[1]).Int64
			row.EntryPointID, row.AgentID = pgInt(v[2]), pgInt(v[3])
			row.AnnouncedPosition, row.AnnouncedEWTSeconds, row.CSATScore = pgInt(v[4]), pgInt(v[5]), pgInt(v[6])
			a := pgTime(v[7])
			if !a.Valid {
				return fmt.Errorf("interaction %d: no arrival time", row.ID)
			}
			row.ArrivedUS, row.Answered, row.Ended = a.US, pgTime(v[8]), pgTime(v[9])
			row.Channel, row.Tier, row.State, row.EndedReason = v[10], v[11], v[12], v[13]
			row.CustomerName, row.CustomerPhone, row.CustomerEmail = v[14], v[15], v[16]
			row.MenuChoice, row.Disposition, row.CSATComment, row.rawPath = v[17], v[18], v[19], v[20]
			row.TalkUS, row.HoldUS, row.WrapUpUS, row.BillableUS = pgInt(v[21]).Int64, pgInt(v[22]).Int64, pgInt(v[23]).Int64, pgInt(v[24]).Int64
			if err := row.parsePath(); err != nil {
				return err
			}
			n++
			if err := fn(row); err != nil {
				return &callerError{err}
			}
		}
		return rows.Err()
	})
	if ce, ok := err.(*callerError); ok {
		return n, ce.err
	}
	if err != nil {
		return n, fail(err, "export interactions")
	}
	return n, nil
}

// callerError carries the callback's own error through, unwrapped.
type callerError struct{ err error }

func (e *callerError) Error() string { return e.err.Error() }

// PostgreSQL type oids of the export's columns.
const (
	oidInt8        = 20
	oidText        = 25
	oidTimestamptz = 1184
)

// checkExportTypes refuses a result whose columns are not the types the
// binary decoding reads (a schema change would otherwise be misread).
func checkExportTypes(fds []pgconn.FieldDescription) error {
	if len(fds) != exportNCols {
		return fmt.Errorf("%d columns, want %d", len(fds), exportNCols)
	}
	for i, fd := range fds {
		want := uint32(oidText)
		switch {
		case i <= 6 || i >= 21:
			want = oidInt8
		case i <= 9:
			want = oidTimestamptz
		}
		if fd.DataTypeOID != want || fd.Format != pgx.BinaryFormatCode {
			return fmt.Errorf("column %s: type %d format %d, want type %d in binary", fd.Name, fd.DataTypeOID, fd.Format, want)
		}
	}
	return nil
}

// pgInt decodes a binary int8 (nil: NULL).
func pgInt(b []byte) sql.NullInt64 {
	if len(b) != 8 {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(binary.BigEndian.Uint64(b)), Valid: true}
}

// pgTime decodes a binary timestamptz: microseconds since 2000-01-01 UTC.
func pgTime(b []byte) OptMicros {
	if len(b) != 8 {
		return OptMicros{}
	}
	return OptMicros{US: int64(binary.BigEndian.Uint64(b)) + pgEpochMicros, Valid: true}
}

package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CSVSafe keeps a spreadsheet from reading a customer's text as a formula.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes rows (a slice of structs) as CSV: a header of their JSON
// field names, then a line per row; maps are written as key=value;...
func WriteCSV(w io.Writer, rows any) error {
	cw := csv.NewWriter(w)
	v := reflect.ValueOf(rows)
	t := v.Type().Elem()
	var header []string
	var fields []int
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		header = append(header, tag)
		fields = append(fields, i)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for i := range v.Len() {
		row := v.Index(i)
		rec := make([]string, len(fields))
		for j, fi := range fields {
			rec[j] = csvValue(row.Field(fi))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return csvValue(v.Elem())
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.String:
		return CSVSafe(v.String())
	case reflect.Map:
		keys := v.MapKeys()
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%v=%s", k.Interface(), csvValue(v.MapIndex(k))))
		}
		slices.Sort(parts)
		return strings.Join(parts, ";")
	case reflect.Array, reflect.Slice:
		parts := make([]string, v.Len())
		for i := range v.Len() {
			parts[i] = csvValue(v.Index(i))
		}
		return strings.Join(parts, ";")
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return t.Format(time.RFC3339)
		}
	}
	return fmt.Sprint(v.Interface())
}

// WriteTable writes the columns named (JSON field names) of rows as
// tab-separated lines for a tabwriter, ratios as percentages and seconds
// rounded.
func WriteTable(w io.Writer, rows any, columns []string) error {
	v := reflect.ValueOf(rows)
	t := v.Type().Elem()
	idx := make([]int, len(columns))
	for i, c := range columns {
		idx[i] = -1
		for j := range t.NumField() {
			if strings.Split(t.Field(j).Tag.Get("json"), ",")[0] == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			return fmt.Errorf("table: no column %q", c)
		}
	}
	if _, err := fmt.Fprintln(w, strings.Join(columns, "\t")); err != nil {
		return err
	}
	for i := range v.Len() {
		row := v.Index(i)
		cells := make([]string, len(columns))
		for j, fi := range idx {
			f := row.Field(fi)
			name := columns[j]
			if f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Float64 {
				x := f.Elem().Float()
				switch {
				case name == "service_level" || name == "answer_rate" || name == "occupancy" || strings.HasPrefix(name, "within_") || name == "response_rate":
					cells[j] = strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
				default:
					cells[j] = strconv.FormatFloat(x, 'f', 1, 64)
				}
				continue
			}
			if f.Kind() == reflect.Float64 {
				cells[j] = strconv.FormatFloat(f.Float(), 'f', 1, 64)
				continue
			}
			if f.Kind() == reflect.Pointer && f.IsNil() {
				cells[j] = "-"
				continue
			}
			cells[j] = csvValue(f)
		}
		if _, err := fmt.Fprintln(w, strings.Join(cells, "\t")); err != nil {
			return err
		}
	}
	return nil
}

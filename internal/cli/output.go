package cli

import (
	"bufio"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// outputFormat is how rows are printed. Every command that prints rows
// (sql, report, insights, policy) renders them with writeRows.
type outputFormat string

// The output formats.
const (
	formatTable outputFormat = "table" // aligned columns for people
	formatCSV   outputFormat = "csv"   // RFC 4180 with a header row; NULL is empty
	formatJSON  outputFormat = "json"  // one array of objects keyed by column name
	formatJSONL outputFormat = "jsonl" // one object per line
)

// formatFlag registers --format. Its value is resolved by resolveFormat.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "", "output format: table, csv, json or jsonl (default table on a terminal, else csv)")
}

// resolveFormat turns a --format value into a format: "" means table when
// stdout is a terminal and csv otherwise.
func resolveFormat(e *env, s string) (outputFormat, error) {
	switch f := outputFormat(strings.ToLower(s)); f {
	case "":
		if e.isTerminal {
			return formatTable, nil
		}
		return formatCSV, nil
	case formatTable, formatCSV, formatJSON, formatJSONL:
		return f, nil
	}
	return "", usagef("unknown --format %q: use table, csv, json or jsonl", s)
}

// rowSource is what writeRows reads: a *sql.Rows, or memRows for rows a
// command computed itself.
type rowSource interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// memRows is a rowSource over rows held in memory.
type memRows struct {
	cols []string
	rows [][]any
	i    int
}

// newMemRows returns a rowSource over rows, each with one value per column.
func newMemRows(cols []string, rows [][]any) rowSource {
	return &memRows{cols: cols, rows: rows, i: -1}
}

func (m *memRows) Columns() ([]string, error) { return m.cols, nil }
func (m *memRows) Next() bool                 { m.i++; return m.i < len(m.rows) }
func (m *memRows) Err() error                 { return nil }
func (m *memRows) Scan(dest ...any) error {
	row := m.rows[m.i]
	if len(dest) != len(row) {
		return fmt.Errorf("scan: %d destinations for %d values", len(dest), len(row))
	}
	for i, v := range row {
		p, ok := dest[i].(*any)
		if !ok {
			return fmt.Errorf("scan: destination %d is %T, want *any", i, dest[i])
		}
		*p = v
	}
	return nil
}

// writeRows prints rows to w in format f and returns how many it printed.
// csv, json and jsonl stream; table reads all rows first to align them.
func writeRows(w io.Writer, f outputFormat, rows rowSource) (int, error) {
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	types := columnTypes(rows, len(cols))
	bw := bufio.NewWriterSize(w, 64<<10)
	var n int
	switch f {
	case formatCSV:
		n, err = writeCSV(bw, cols, types, rows)
	case formatJSON, formatJSONL:
		n, err = writeJSON(bw, cols, types, rows, f == formatJSONL)
	default:
		n, err = writeTable(bw, cols, types, rows)
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}

// columnTypes returns the database type name of each column ("" when
// unknown), which says how to print values the driver returns alike
// (DATE and TIMESTAMP are both time.Time).
func columnTypes(rows rowSource, n int) []string {
	out := make([]string, n)
	typed, ok := rows.(interface {
		ColumnTypes() ([]*sql.ColumnType, error)
	})
	if !ok {
		return out
	}
	cts, err := typed.ColumnTypes()
	if err != nil || len(cts) != n {
		return out
	}
	for i, ct := range cts {
		out[i] = ct.DatabaseTypeName()
	}
	return out
}

func scanRow(rows rowSource, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return vals, nil
}

func writeCSV(w io.Writer, cols, types []string, rows rowSource) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return 0, err
	}
	n := 0
	rec := make([]string, len(cols))
	for rows.Next() {
		vals, err := scanRow(rows, len(cols))
		if err != nil {
			return n, err
		}
		for i, v := range vals {
			rec[i], _ = rowText(v, types[i])
		}
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, rows.Err()
}

func writeJSON(w io.Writer, cols, types []string, rows rowSource, lines bool) (int, error) {
	keys := jsonKeys(cols)
	n := 0
	if !lines {
		io.WriteString(w, "[")
	}
	var b strings.Builder
	for rows.Next() {
		vals, err := scanRow(rows, len(cols))
		if err != nil {
			return n, err
		}
		b.Reset()
		if !lines {
			if n > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n  ")
		}
		b.WriteByte('{')
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(keys[i])
			b.WriteByte(':')
			if err := writeJSONValue(&b, v, types[i]); err != nil {
				return n, fmt.Errorf("column %s: %w", cols[i], err)
			}
		}
		b.WriteByte('}')
		if lines {
			b.WriteByte('\n')
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if !lines {
		if n > 0 {
			io.WriteString(w, "\n")
		}
		io.WriteString(w, "]\n")
	}
	return n, nil
}

// jsonKeys returns the JSON-encoded object keys for cols; a repeated
// column name gets a _2, _3 … suffix so no value is lost.
func jsonKeys(cols []string) []string {
	seen := map[string]int{}
	keys := make([]string, len(cols))
	for i, c := range cols {
		name := c
		if seen[c]++; seen[c] > 1 {
			name = fmt.Sprintf("%s_%d", c, seen[c])
		}
		k, _ := json.Marshal(name)
		keys[i] = string(k)
	}
	return keys
}

func writeJSONValue(b *strings.Builder, v any, typ string) error {
	data, err := json.Marshal(rowJSONValue(v, typ))
	if err != nil {
		return err
	}
	b.Write(data)
	return nil
}

// rowJSONValue converts a driver value into one encoding/json prints as the
// JSON users expect: timestamps as RFC 3339 UTC strings, dates as
// YYYY-MM-DD, structs and lists as nested JSON, big numbers as numbers.
func rowJSONValue(v any, typ string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		s, _ := rowText(x, typ)
		return s
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return x
	case float32:
		return rowJSONValue(float64(x), typ)
	case *big.Int:
		return json.Number(x.String())
	case fmt.Stringer:
		if isNumericType(typ) {
			return json.Number(x.String())
		}
		return x.String()
	case []byte:
		s, _ := rowText(x, typ)
		return s
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rowJSONValue(e, "")
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = rowJSONValue(e, "")
		}
		return out
	}
	return v
}

func isNumericType(typ string) bool {
	return strings.HasPrefix(typ, "DECIMAL") || typ == "HUGEINT" || typ == "UHUGEINT" || typ == "BIGNUM" || typ == "VARINT"
}

// rowText renders a value as text for csv and table output; null
// reports a SQL NULL.
func rowText(v any, typ string) (s string, null bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, false
	case time.Time:
		switch typ {
		case "DATE":
			return x.UTC().Format(time.DateOnly), false
		case "TIME":
			return x.Format("15:04:05.999999"), false
		}
		return x.UTC().Format(time.RFC3339Nano), false
	case []byte:
		if typ == "UUID" && len(x) == 16 {
			h := hex.EncodeToString(x)
			return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], false
		}
		if utf8.Valid(x) {
			return string(x), false
		}
		return `\x` + hex.EncodeToString(x), false
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), false
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), false
	case bool:
		return strconv.FormatBool(x), false
	case []any, map[string]any:
		data, err := json.Marshal(rowJSONValue(x, typ))
		if err != nil {
			return fmt.Sprint(x), false
		}
		return string(data), false
	}
	if typ == "JSON" {
		if data, err := json.Marshal(rowJSONValue(v, typ)); err == nil {
			return string(data), false
		}
	}
	return fmt.Sprint(v), false
}

// maxCell bounds a table cell; longer values end in "…".
const maxCell = 120

func writeTable(w io.Writer, cols, types []string, rows rowSource) (int, error) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	var cells [][]string
	// Without database types (memRows), a column of Go numbers is numeric.
	numeric, sawNumber := make([]bool, len(cols)), make([]bool, len(cols))
	for i := range numeric {
		numeric[i] = types[i] == ""
	}
	for rows.Next() {
		vals, err := scanRow(rows, len(cols))
		if err != nil {
			return len(cells), err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if numeric[i] && v != nil {
				numeric[i] = isGoNumber(v)
				sawNumber[i] = true
			}
			s, null := rowText(v, types[i])
			if null {
				s = "NULL"
			}
			if typ := types[i]; typ == "JSON" || typ == "" || strings.Contains(typ, "VARCHAR") {
				s = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
			}
			if utf8.RuneCountInString(s) > maxCell {
				s = string([]rune(s)[:maxCell-1]) + "…"
			}
			row[i] = s
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
		cells = append(cells, row)
	}
	if err := rows.Err(); err != nil {
		return len(cells), err
	}
	right := make([]bool, len(cols))
	for i, typ := range types {
		right[i] = isNumberType(typ) || numeric[i] && sawNumber[i]
	}
	line := func(vals []string) {
		var b strings.Builder
		for i, s := range vals {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
			if right[i] {
				b.WriteString(pad + s)
			} else if i < len(vals)-1 {
				b.WriteString(s + pad)
			} else {
				b.WriteString(s)
			}
		}
		io.WriteString(w, strings.TrimRight(b.String(), " ")+"\n")
	}
	line(cols)
	dashes := make([]string, len(cols))
	for i := range cols {
		dashes[i] = strings.Repeat("-", widths[i])
	}
	line(dashes)
	for _, r := range cells {
		line(r)
	}
	if len(cells) == 1 {
		io.WriteString(w, "(1 row)\n")
	} else {
		fmt.Fprintf(w, "(%d rows)\n", len(cells))
	}
	return len(cells), nil
}

// numberTypes are the DuckDB types printed right-aligned.
var numberTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
		"UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE"} {
		m[t] = true
	}
	return m
}()

func isGoNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

func isNumberType(typ string) bool { return numberTypes[typ] || strings.HasPrefix(typ, "DECIMAL") }

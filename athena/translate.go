package athena

import (
	"fmt"
	"strings"
)

// Rewrite prepares a query written for Athena to run on DuckDB: it applies
// FixQuery's corrections, then translates the Presto calls DuckDB cannot
// express as macros (parse_datetime and date_parse, whose pattern DuckDB's
// strptime needs as a constant).
func Rewrite(query, accessLogTable string) (string, []Fix, error) {
	fixed, fixes := FixQuery(query, accessLogTable)
	out, err := translate(fixed)
	return out, fixes, err
}

// dateFuncs translate a pattern of each function to strptime's.
var dateFuncs = map[string]func(string) string{
	"parse_datetime": jodaToStrptime,
	"date_parse":     mysqlToStrptime,
}

// translate rewrites parse_datetime(x, 'pattern') and date_parse(x,
// 'pattern') into strptime calls with the pattern translated.
func translate(q string) (string, error) {
	toks := scan(q)
	var out strings.Builder
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		conv, ok := dateFuncs[strings.ToLower(t.text)]
		if t.kind != tokWord || !ok || (i > 0 && toks[i-1].text == ".") {
			out.WriteString(t.text)
			continue
		}
		open := nextSignificant(toks, i)
		if toks[open].text != "(" {
			out.WriteString(t.text)
			continue
		}
		comma, close := -1, -1
		depth := 0
		for j := open; j < len(toks) && close < 0; j++ {
			switch toks[j].text {
			case "(":
				depth++
			case ")":
				depth--
				if depth == 0 {
					close = j
				}
			case ",":
				if depth == 1 {
					comma = j
				}
			}
		}
		l, c := lineCol(q, t.pos)
		if close < 0 || comma < 0 {
			return "", fmt.Errorf("athena: %d:%d: %s needs two arguments: (text, 'pattern')", l, c, t.text)
		}
		pat := nextSignificant(toks, comma)
		if toks[pat].kind != tokString || toks[pat].text[0] != '\'' || nextSignificant(toks, pat) != close {
			return "", fmt.Errorf("athena: %d:%d: %s: the pattern must be a string literal such as 'yyyy-MM-dd'", l, c, t.text)
		}
		arg, err := translate(joinTexts(toks[open+1 : comma]))
		if err != nil {
			return "", err
		}
		lit := toks[pat].text
		pattern := strings.ReplaceAll(lit[1:len(lit)-1], "''", "'")
		call := fmt.Sprintf("strptime(%s, %s)", strings.TrimSpace(arg), quote(conv(pattern)))
		if strings.EqualFold(t.text, "parse_datetime") {
			// Presto's parse_datetime returns a timestamp with time zone.
			call = "CAST(" + call + " AS TIMESTAMPTZ)"
		}
		out.WriteString(call)
		i = close
	}
	return out.String(), nil
}

func joinTexts(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}

// jodaToStrptime translates the Joda-Time pattern letters Athena queries
// use. Text in single quotes is literal.
func jodaToStrptime(p string) string {
	repl := []struct{ joda, c string }{
		{"yyyy", "%Y"}, {"yy", "%y"}, {"MMMM", "%B"}, {"MMM", "%b"}, {"MM", "%m"},
		{"dd", "%d"}, {"HH", "%H"}, {"hh", "%I"}, {"mm", "%M"}, {"ss", "%S"},
		{"SSSSSS", "%f"}, {"SSS", "%g"}, {"a", "%p"}, {"ZZ", "%z"}, {"Z", "%z"},
		{"EEEE", "%A"}, {"EEE", "%a"}, {"z", "%Z"},
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		if p[i] == '\'' {
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				end = len(p) - i - 1
			}
			b.WriteString(strings.ReplaceAll(p[i+1:i+1+end], "%", "%%"))
			i += end + 2
			continue
		}
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(p[i:], r.joda) {
				b.WriteString(r.c)
				i += len(r.joda)
				matched = true
				break
			}
		}
		if !matched {
			if p[i] == '%' {
				b.WriteString("%%")
			} else {
				b.WriteByte(p[i])
			}
			i++
		}
	}
	return b.String()
}

// mysqlToStrptime translates the MySQL date_format specifiers Presto's
// date_parse takes where they differ from strptime's.
func mysqlToStrptime(p string) string {
	r := strings.NewReplacer("%i", "%M", "%s", "%S", "%T", "%H:%i:%S", "%h", "%I", "%k", "%H", "%l", "%I", "%c", "%m", "%e", "%d", "%r", "%I:%M:%S %p")
	out := r.Replace(p)
	return strings.ReplaceAll(out, "%i", "%M")
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

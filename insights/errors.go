package insights

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinels for errors.Is. Every *Error wraps exactly one of them.
var (
	// ErrSyntax marks a query that is not well-formed.
	ErrSyntax = errors.New("syntax error")
	// ErrUnsupported marks a well-formed construct s3sift does not run
	// (a command, function or field it does not know): it is refused rather
	// than answered differently from Logs Insights.
	ErrUnsupported = errors.New("not supported")
	// ErrInvalid marks a well-formed query that makes no sense, such as an
	// aggregate function outside stats or a field that does not exist.
	ErrInvalid = errors.New("invalid query")
)

// Error is one problem in a query, with the span of text it is about.
type Error struct {
	Pos  Pos    // where the offending text starts
	End  Pos    // where it ends (exclusive); may equal Pos
	Msg  string // what is wrong and, where it helps, what to do
	Kind error  // ErrSyntax, ErrUnsupported or ErrInvalid
}

// Error formats e as "line:col: message".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

// Unwrap returns e's kind, so errors.Is(err, ErrSyntax) works.
func (e *Error) Unwrap() error { return e.Kind }

// ErrorList is the list of problems found in one query.
type ErrorList []*Error

// Add appends an error.
func (l *ErrorList) Add(kind error, pos, end Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, End: end, Msg: fmt.Sprintf(format, args...), Kind: kind})
}

// Sort orders the list by position.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.Offset < l[j].Pos.Offset })
}

// Error reports the first problem and how many more there are.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Unwrap returns the errors in the list, so errors.Is and errors.As see
// each of them.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Annotate returns the line of src that e is about with a row of carets
// under the offending text, for showing an error on a terminal:
//
//	2 | | filter eventName === "x"
//	  |                      ^
func Annotate(src string, e *Error) string {
	if e == nil || !e.Pos.IsValid() {
		return ""
	}
	lines := strings.Split(src, "\n")
	if e.Pos.Line > len(lines) {
		return ""
	}
	line := strings.TrimRight(lines[e.Pos.Line-1], "\r")
	start := e.Pos.Col - 1
	if start > len(line) {
		start = len(line)
	}
	width := 1
	if e.End.Line == e.Pos.Line && e.End.Col > e.Pos.Col {
		width = e.End.Col - e.Pos.Col
	}
	if start+width > len(line)+1 {
		width = len(line) + 1 - start
	}
	if width < 1 {
		width = 1
	}
	// Keep tabs in the padding so the caret lines up under tabbed text.
	pad := []byte(line[:start])
	for i, c := range pad {
		if c != '\t' {
			pad[i] = ' '
		}
	}
	num := fmt.Sprintf("%3d | ", e.Pos.Line)
	gutter := strings.Repeat(" ", len(num)-2) + "| "
	return num + line + "\n" + gutter + string(pad) + strings.Repeat("^", width) + "\n"
}

package insights

import "strings"

// FuncKind tells scalar functions from aggregates.
type FuncKind int

// The kinds of function.
const (
	Scalar    FuncKind = iota // computed per event
	Aggregate                 // computed per group, only in stats
)

// Func describes one function of the language.
type Func struct {
	Name    string // canonical spelling
	Kind    FuncKind
	MinArgs int
	MaxArgs int  // -1: any number
	Star    bool // accepts a lone * (count(*))
	Doc     string
}

// funcList is the catalogue, in the order the Logs Insights reference
// lists them.
var funcList = []Func{
	// String functions.
	{Name: "concat", MinArgs: 1, MaxArgs: -1, Doc: "joins strings"},
	{Name: "ltrim", MinArgs: 1, MaxArgs: 2, Doc: "removes white space (or the given characters) from the left"},
	{Name: "rtrim", MinArgs: 1, MaxArgs: 2, Doc: "removes white space (or the given characters) from the right"},
	{Name: "trim", MinArgs: 1, MaxArgs: 2, Doc: "removes white space (or the given characters) from both ends"},
	{Name: "strlen", MinArgs: 1, MaxArgs: 1, Doc: "length in Unicode code points"},
	{Name: "toupper", MinArgs: 1, MaxArgs: 1, Doc: "upper case"},
	{Name: "tolower", MinArgs: 1, MaxArgs: 1, Doc: "lower case"},
	{Name: "substr", MinArgs: 2, MaxArgs: 3, Doc: "substring from a 0-based index, optionally of a length"},
	{Name: "replace", MinArgs: 3, MaxArgs: 3, Doc: "replaces every occurrence of a string"},
	{Name: "strcontains", MinArgs: 2, MaxArgs: 2, Doc: "1 if the first string contains the second, else 0"},
	{Name: "isempty", MinArgs: 1, MaxArgs: 1, Doc: "true if missing or empty"},
	{Name: "isblank", MinArgs: 1, MaxArgs: 1, Doc: "true if missing, empty or only white space"},
	{Name: "ispresent", MinArgs: 1, MaxArgs: 1, Doc: "true if the field exists"},
	// Numeric functions.
	{Name: "abs", MinArgs: 1, MaxArgs: 1, Doc: "absolute value"},
	{Name: "ceil", MinArgs: 1, MaxArgs: 1, Doc: "round up"},
	{Name: "floor", MinArgs: 1, MaxArgs: 1, Doc: "round down"},
	{Name: "greatest", MinArgs: 1, MaxArgs: -1, Doc: "largest value"},
	{Name: "least", MinArgs: 1, MaxArgs: -1, Doc: "smallest value"},
	{Name: "log", MinArgs: 1, MaxArgs: 1, Doc: "natural logarithm"},
	{Name: "sqrt", MinArgs: 1, MaxArgs: 1, Doc: "square root"},
	// Date-time functions.
	{Name: "bin", MinArgs: 1, MaxArgs: 1, Doc: "@timestamp rounded down to a period"},
	{Name: "datefloor", MinArgs: 2, MaxArgs: 2, Doc: "a timestamp rounded down to a period"},
	{Name: "dateceil", MinArgs: 2, MaxArgs: 2, Doc: "a timestamp rounded up to a period"},
	{Name: "fromMillis", MinArgs: 1, MaxArgs: 1, Doc: "timestamp from milliseconds since the epoch"},
	{Name: "toMillis", MinArgs: 1, MaxArgs: 1, Doc: "milliseconds since the epoch of a timestamp"},
	// IP address functions.
	{Name: "isValidIp", MinArgs: 1, MaxArgs: 1, Doc: "true for an IPv4 or IPv6 address"},
	{Name: "isValidIpV4", MinArgs: 1, MaxArgs: 1, Doc: "true for an IPv4 address"},
	{Name: "isValidIpV6", MinArgs: 1, MaxArgs: 1, Doc: "true for an IPv6 address"},
	{Name: "isIpInSubnet", MinArgs: 2, MaxArgs: 2, Doc: "true for an address in a CIDR subnet"},
	{Name: "isIpv4InSubnet", MinArgs: 2, MaxArgs: 2, Doc: "true for an IPv4 address in a CIDR subnet"},
	{Name: "isIpv6InSubnet", MinArgs: 2, MaxArgs: 2, Doc: "true for an IPv6 address in a CIDR subnet"},
	// General functions.
	{Name: "coalesce", MinArgs: 1, MaxArgs: -1, Doc: "first non-null value"},
	{Name: "unmask", MinArgs: 1, MaxArgs: 1, Doc: "the value itself (s3sift masks nothing)"},
	// Aggregates.
	{Name: "avg", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "mean"},
	{Name: "count", Kind: Aggregate, MinArgs: 0, MaxArgs: 1, Star: true, Doc: "number of events (count(*)) or of events with the field"},
	{Name: "count_distinct", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "number of distinct values"},
	{Name: "max", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "largest value"},
	{Name: "min", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "smallest value"},
	{Name: "pct", Kind: Aggregate, MinArgs: 2, MaxArgs: 2, Doc: "percentile: pct(field, 95)"},
	{Name: "stddev", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "sample standard deviation"},
	{Name: "sum", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "sum"},
	{Name: "earliest", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "value from the event with the earliest @timestamp"},
	{Name: "latest", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "value from the event with the latest @timestamp"},
	{Name: "sortsFirst", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "value that sorts first"},
	{Name: "sortsLast", Kind: Aggregate, MinArgs: 1, MaxArgs: 1, Doc: "value that sorts last"},
}

// unsupportedFuncs are Logs Insights functions s3sift does not run; naming
// them gives a clearer error than "unknown function".
var unsupportedFuncs = map[string]string{
	"jsonparse":     "jsonParse",
	"jsonstringify": "jsonStringify",
	"sumifs":        "sumIfs",
}

var funcByName = func() map[string]*Func {
	m := make(map[string]*Func, len(funcList))
	for i := range funcList {
		m[strings.ToLower(funcList[i].Name)] = &funcList[i]
	}
	return m
}()

// LookupFunc returns the function called name. Names are matched without
// regard to case, as Logs Insights does (isPresent and ispresent).
func LookupFunc(name string) (*Func, bool) {
	f, ok := funcByName[strings.ToLower(name)]
	return f, ok
}

// Funcs returns the catalogue of functions.
func Funcs() []Func {
	return append([]Func(nil), funcList...)
}

// commandNames are the commands s3sift runs.
var commandNames = []string{"fields", "display", "filter", "stats", "sort", "limit", "parse", "dedup", "unmask"}

// unsupportedCommands are Logs Insights commands s3sift does not run, with
// advice where there is some.
var unsupportedCommands = map[string]string{
	"pattern":     "",
	"diff":        "",
	"anomaly":     "",
	"filterindex": "",
	"source":      "choose the table with --table instead",
	"lookup":      "",
	"head":        "use limit",
	"tail":        "use sort @timestamp desc | limit",
}

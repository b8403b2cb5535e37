// Package insights is the CloudWatch Logs Insights query language as a
// small, self-contained language: a scanner, a hand-written recursive-descent
// parser, an AST whose every node knows its position, Walk/Inspect, and a
// printer that writes an AST back as canonical query text.
//
// The package knows nothing of how a query runs. Package insights/sqlgen
// compiles an AST to DuckDB SQL over the s3sift lake, and insights/exec runs
// it; both are separate steps so that the language can be tested, printed
// and fuzzed on its own.
//
// A query is a pipeline of commands separated by "|":
//
//	fields @timestamp, eventName
//	| filter eventSource == "s3.amazonaws.com" and errorCode like /Denied/
//	| stats count(*) as n by bin(1h), eventName
//	| sort n desc
//	| limit 20
//
// Errors carry line:col positions and are collected in an ErrorList whose
// Err method is nil when there were none; errors.Is(err, ErrSyntax) reports
// a malformed query and errors.Is(err, ErrUnsupported) a construct s3sift
// does not run.
package insights

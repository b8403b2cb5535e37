// Package policy reads, evaluates and writes S3 bucket policies.
//
// It has three parts that depend on nothing but the standard library: the
// policy document (Document, Statement, Principal, Values) that parses every
// JSON shape AWS accepts; an evaluator (Compile, Policy.Evaluate) that applies
// AWS's logic for resource-based policies to one request described by what
// the logs can tell (Request); and a generator (Generate) that turns observed
// usage into a least-privilege policy. The SQL glue (LoadUsage, Check) reads
// the s3_requests view through a Querier and groups requests so that each
// distinct combination of evaluation inputs is evaluated once.
//
// Evaluation is three-valued: a condition on a key the logs cannot answer
// makes a statement's match unknown, and an unknown match that could change
// the decision makes the decision Unknown, never a silent allow.
package policy

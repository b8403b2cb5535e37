// Package s3access reads S3 server access logs: space-separated lines of 17
// to 27 documented fields (older logs end at the user agent, newer ones add
// version id, host id, TLS details, access point ARN, aclRequired and source
// region), plus any trailing fields AWS adds later, which are kept in
// ExtraFields rather than dropped.
//
// The scanner is hand-written (no regexp) and finds field boundaries from the
// structure of what follows, so a key with spaces, or a quote inside a
// request URI, referer or user agent, does not break a line. A documented
// field of - or "-" is NULL (the empty string, or a nil number); trailing
// unknown fields are kept verbatim. Lines that do not parse are handed to a
// reject callback with the field and the reason, never dropped.
package s3access

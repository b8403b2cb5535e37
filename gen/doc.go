// Package gen writes deterministic synthetic S3 server access logs and
// CloudTrail logs, with injected incidents, and returns the known answers
// (Truth) to the questions s3sift answers.
//
// The world it simulates: one account (111122223333) with five buckets in
// two regions (plus Config.ExtraBuckets), an application role reaching S3
// through a VPC endpoint, a Glue job whose role has the path /service-role/,
// console users through an SSO role, a backup job doing multipart uploads,
// a partner account's role, a CI user deploying a static website, a legacy
// job signing with Signature Version 2 over plain HTTP, AWS Config, the
// root user, anonymous website visitors and S3 lifecycle expirations.
//
// On the incident day (the second day when there are two or more) it adds:
// an unusual IAM user (contractor-tmp) deleting a report with DeleteObject
// and three customer files with one DeleteObjects, after being denied on
// the backups; anonymous reads of a mistakenly public object; one external
// IP downloading far more bytes than anyone else with the application's
// credentials; an anonymous scanner probing for secrets (.env, id_rsa,
// backup.sql, credentials.csv, …); the root user in the console. The first
// hour also holds three malformed access-log lines. Incidents reports the
// names involved.
package gen

#!/usr/bin/env bash
# bench/reports.sh LAKE — times every report end to end (process start,
# DuckDB open, query, output to /dev/null), best of 3 runs each.
#
# A lake of ~11M requests for it:
#   S3SIFT_BENCH_REQUESTS_SYNTHETIC=1 S3SIFT_BENCH_REQUESTS_LAKE=/tmp/lake10m \
#     go test ./query -run '^$' -bench BenchmarkReports -benchtime 1x -timeout 60m
#   bench/reports.sh /tmp/lake10m/lake
set -euo pipefail
cd "$(dirname "$0")/.."
lake=${1:?usage: bench/reports.sh LAKE}
bin=$(mktemp -d)/s3sift
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/s3sift
# Parameters for the reports that need them: the busiest bucket, key and principal.
read -r bucket key principal < <("$bin" sql --lake "$lake" --format csv \
	"SELECT bucket, key, principal_arn FROM s3_requests WHERE key IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC LIMIT 1" |
	tail -n 1 | tr ',' ' ')
rows=$("$bin" sql --lake "$lake" --format csv "SELECT count(*) FROM s3_requests" | tail -n 1)
echo "lake $lake: $rows rows in s3_requests; load average $(cut -d' ' -f1-3 /proc/loadavg)"
t=$(mktemp)
while IFS= read -r spec; do
	best=""
	for _ in 1 2 3; do
		# shellcheck disable=SC2086 # spec holds the report name and its flags
		/usr/bin/time -f "%e" -o "$t" "$bin" report $spec --lake "$lake" --format csv >/dev/null 2>&1
		s=$(cat "$t")
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
	done
	printf '%-16s %6s s\n' "${spec%% *}" "$best"
done <<SPECS
access-history --bucket $bucket
anonymous
bytes-by-ip
deletions
errors
non-tls
object --bucket $bucket --key $key
principal --principal $principal
sensitive
sigv2
top-objects
user-agents
SPECS
rm -f "$t"

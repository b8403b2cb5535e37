#!/usr/bin/env bash
# bench/ingest.sh — reproducible end-to-end ingest benchmark.
#
# usage: bench/ingest.sh [ACCESS_MB] [CLOUDTRAIL_MB]
#
# Builds s3sift, generates about ACCESS_MB (default 1000) of S3 server access
# logs and about CLOUDTRAIL_MB (default 1000) of CloudTrail JSON (gzipped on
# disk, as CloudTrail delivers it) with 's3sift generate', ingests each into
# a fresh lake under /usr/bin/time -v, and prints for each: input MB,
# seconds, MB/s, CPU seconds, peak RSS, and the lake's size next to the
# input's gzipped size. Output goes to bench/out/ (git-ignored), or $BENCH_OUT.
#
# Environment: BENCH_OUT (output folder), BENCH_SEED (default 1),
# BENCH_DAYS (default 7), BENCH_KEEP=1 keeps the generated data and lakes,
# BENCH_BOTH=1 adds a run over both logs of the same requests in one lake.
# Not part of the test run.
set -euo pipefail
cd "$(dirname "$0")/.."

access_mb=${1:-1000}
ct_mb=${2:-1000}
out=${BENCH_OUT:-bench/out}
seed=${BENCH_SEED:-1}
days=${BENCH_DAYS:-7}

for n in "$access_mb" "$ct_mb" "$days"; do
	if ! [[ $n =~ ^[0-9]+$ ]] || ((n == 0)); then
		echo "bench/ingest.sh: sizes and BENCH_DAYS must be positive integers, got '$n'" >&2
		echo "usage: bench/ingest.sh [ACCESS_MB] [CLOUDTRAIL_MB]" >&2
		exit 2
	fi
done
if [[ ! -x /usr/bin/time ]]; then
	echo "bench/ingest.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
	exit 1
fi

mkdir -p "$out"
bin="$out/s3sift"
echo "building $bin" >&2
go build -o "$bin" ./cmd/s3sift

# Requests per day for the wanted sizes, from the generator's average sizes:
# about 630 bytes per access-log line, 1750 bytes of JSON per CloudTrail record.
al_requests=$((access_mb * 1000000 / (days * 630)))
ct_requests=$((ct_mb * 1000000 / (days * 1750)))

# bytes_of prints the total size in bytes of a folder's files.
bytes_of() { du -sb "$1" | cut -f1; }

# run KIND INPUT_DIR INPUT_BYTES GZ_BYTES
run() {
	local kind=$1 input=$2 in_bytes=$3 gz_bytes=$4
	local lake="$out/lake-$kind"
	rm -rf "$lake"
	echo "ingesting $kind ($((in_bytes / 1000000)) MB) into $lake" >&2
	/usr/bin/time -v -o "$out/time-$kind.txt" \
		"$bin" ingest --lake "$lake" --progress never --format json "$input" >"$out/ingest-$kind.json"
	local secs rss lake_bytes usr sys
	# The whole command: reading, writing the lake, then s3_requests.
	secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p' "$out/time-$kind.txt" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$out/time-$kind.txt")
	usr=$(sed -n 's/.*User time (seconds): *//p' "$out/time-$kind.txt")
	sys=$(sed -n 's/.*System time (seconds): *//p' "$out/time-$kind.txt")
	lake_bytes=$(bytes_of "$lake")
	awk -v kind="$kind" -v inb="$in_bytes" -v secs="$secs" -v rss="$rss" -v lake="$lake_bytes" -v gz="$gz_bytes" -v cpu="$usr+$sys" 'BEGIN {
		split(cpu, c, "+")
		printf "%-11s %9.0f %8.1f %8.1f %8.1f %9.0f %9.1f %9.1f %6.2f\n", kind, inb/1e6, secs, inb/1e6/secs, c[1]+c[2], rss/1024, lake/1e6, gz/1e6, lake/gz
	}'
}

rm -rf "$out/data-access" "$out/data-cloudtrail"
echo "generating ~${access_mb} MB of access logs (seed $seed, $days days, $al_requests requests/day)" >&2
"$bin" generate --scale large --seed "$seed" --days "$days" --requests "$al_requests" --only s3access "$out/data-access" >&2
echo "generating ~${ct_mb} MB of CloudTrail JSON (seed $seed, $days days, $ct_requests requests/day)" >&2
"$bin" generate --scale large --seed "$seed" --days "$days" --requests "$ct_requests" --only cloudtrail \
	--truth "$out/truth-cloudtrail.json" "$out/data-cloudtrail" >&2

al_bytes=$(bytes_of "$out/data-access/s3-access")
echo "gzipping the access logs for the size comparison" >&2
al_gz=$(find "$out/data-access/s3-access" -type f -print0 | sort -z | xargs -0 cat | gzip -6 | wc -c)
ct_json=$(sed -n 's/.*"CloudTrailJSON": *\([0-9]*\).*/\1/p' "$out/truth-cloudtrail.json")
ct_gz=$(sed -n 's/.*"CloudTrailGzBytes": *\([0-9]*\).*/\1/p' "$out/truth-cloudtrail.json")

printf "%-11s %9s %8s %8s %8s %9s %9s %9s %6s\n" format "input_MB" seconds "MB/s" "cpu_s" "peak_MB" "lake_MB" "gzip_MB" "lake/gz"
run s3access "$out/data-access" "$al_bytes" "$al_gz"
run cloudtrail "$out/data-cloudtrail" "$ct_json" "$ct_gz"
if [[ ${BENCH_BOTH:-0} == 1 ]]; then
	# Both logs of the same requests in one lake: the days where they
	# overlap are merged on request id and stored.
	rm -rf "$out/data-both"
	echo "generating both logs of the same requests (seed $seed, $days days, $al_requests requests/day)" >&2
	"$bin" generate --scale large --seed "$seed" --days "$days" --requests "$al_requests" \
		--truth "$out/truth-both.json" "$out/data-both" >&2
	both_bytes=$(($(bytes_of "$out/data-both/s3-access") + $(sed -n 's/.*"CloudTrailJSON": *\([0-9]*\).*/\1/p' "$out/truth-both.json")))
	both_gz=$(($(find "$out/data-both/s3-access" -type f -print0 | sort -z | xargs -0 cat | gzip -6 | wc -c) +
		$(sed -n 's/.*"CloudTrailGzBytes": *\([0-9]*\).*/\1/p' "$out/truth-both.json")))
	run both "$out/data-both" "$both_bytes" "$both_gz"
fi
echo "input_MB is uncompressed (CloudTrail files are read gzipped); seconds is the whole ingest command" >&2
echo "(reading, writing the lake, then updating s3_requests), wall clock; cpu_s is user+system CPU time;" >&2
echo "gzip_MB is the input gzipped (-6 for access logs; CloudTrail's own .gz files)." >&2
echo "details: $out/ingest-*.json (ingest summaries), $out/time-*.txt (/usr/bin/time -v)" >&2

if [[ ${BENCH_KEEP:-0} != 1 ]]; then
	rm -rf "$out/data-access" "$out/data-cloudtrail" "$out/data-both" "$out/lake-s3access" "$out/lake-cloudtrail" "$out/lake-both"
fi

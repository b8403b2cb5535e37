#!/usr/bin/env bash
# test.sh runs s3sift's test suite. It installs what the tests need first:
# versitygw (a real S3 server the source tests start on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$(go env GOPATH)/bin:$PATH"
if ! command -v versitygw >/dev/null 2>&1; then
	echo "test.sh: installing versitygw v1.8.0" >&2
	go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
go test -timeout 20m "$@" ./...

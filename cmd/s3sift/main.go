// Command s3sift answers "who touched my S3 buckets, how, and is anything
// wrong?" from S3 server access logs and CloudTrail.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/s3sift/s3sift/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Package cli is the s3sift command line: one file per subcommand, flags
// and output rendering. It is the only package that reads flags and the
// environment.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands. Registered here explicitly, not by init.
func commands() []command {
	return []command{
		{"demo", "generate a demo data set, ingest it and answer everyday questions", runDemo},
		{"generate", "write a deterministic synthetic data set of access logs and CloudTrail", runGenerate},
		{"ingest", "ingest log files or folders into the lake", runIngest},
		{"sql", "run a read-only SQL query over the lake", runSQL},
		{"insights", "run a CloudWatch Logs Insights query over the lake", runInsights},
		{"report", "run a named everyday investigation (s3sift report list)", runReport},
		{"policy", "generate a least-privilege bucket policy, or replay traffic against one", runPolicy},
	}
}

// env is what a subcommand may touch: its output streams and the process
// environment, passed in so tests can replace them.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// isTerminal reports whether stdout is a terminal.
	isTerminal bool
}

// exitError makes Run exit with a given code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError is a bad invocation: Run prints it and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// Run runs s3sift with args (without the program name) and returns the
// process exit code: 0 success, 1 error, 2 bad usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: os.Getenv, isTerminal: isTerminal(stdout)}
	return run(ctx, e, args)
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		return exitCode(e, c.name, err)
	}
	fmt.Fprintf(e.stderr, "s3sift: unknown command %q\n\n", args[0])
	printUsage(e.stderr)
	return 2
}

func exitCode(e *env, name string, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "s3sift %s: %s\n", name, ue.msg)
		fmt.Fprintf(e.stderr, "run 's3sift %s --help' for usage\n", name)
		return 2
	}
	var xe *exitError
	if errors.As(err, &xe) {
		if xe.err != nil && xe.err.Error() != "" {
			fmt.Fprintf(e.stderr, "s3sift %s: %v\n", name, xe.err)
		}
		return xe.code
	}
	fmt.Fprintf(e.stderr, "s3sift %s: %v\n", name, err)
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: s3sift <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "run 's3sift <command> --help' for a command's flags")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to e.stderr.
func newFlagSet(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: s3sift %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (s3sift sql "SELECT …" --format json). A "--" ends the flags: everything
// after it is positional. It returns the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		rest := fs.Args()
		// flag.Parse stops at the first non-flag or consumes "--"; tell which.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// lakeFlag registers --lake with its default: $S3SIFT_LAKE, else
// $XDG_DATA_HOME/s3sift, else ~/.local/share/s3sift.
func lakeFlag(e *env, fs *flag.FlagSet) *string {
	return fs.String("lake", defaultLake(e.getenv), "lake folder (default $S3SIFT_LAKE, else $XDG_DATA_HOME/s3sift)")
}

func defaultLake(getenv func(string) string) string {
	if v := getenv("S3SIFT_LAKE"); v != "" {
		return v
	}
	if v := getenv("XDG_DATA_HOME"); v != "" {
		return filepath.Join(v, "s3sift")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "share", "s3sift")
	}
	return filepath.Join(".", "s3sift-lake")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// joinArgs joins positional arguments into one query text.
func joinArgs(args []string) string { return strings.Join(args, " ") }

package cli

import (
	"flag"
	"fmt"

	"github.com/s3sift/s3sift/athena"
)

// athenaFlags are sql's flags for running Athena queries.
type athenaFlags struct {
	dialect string
	tables  []string
}

func addAthenaFlags(fs *flag.FlagSet) *athenaFlags {
	f := &athenaFlags{}
	fs.StringVar(&f.dialect, "dialect", "duckdb", "SQL dialect: duckdb, or athena to run the AWS documentation's Athena queries (their table names, types and Presto functions)")
	fs.Func("athena-table", "with --dialect athena: another table name, KIND=NAME with KIND cloudtrail, cloudtrail_partitioned or s3access (repeatable)", func(s string) error {
		f.tables = append(f.tables, s)
		return nil
	})
	return f
}

// prepare returns the query to run and the statements that create what it
// needs. In the Athena dialect it corrects the documented queries' known
// mistakes, saying on stderr what it changed.
func (f *athenaFlags) prepare(e *env, query string) (string, []string, error) {
	switch f.dialect {
	case "duckdb", "":
		if len(f.tables) > 0 {
			return "", nil, usagef("--athena-table needs --dialect athena")
		}
		return query, nil, nil
	case "athena":
	default:
		return "", nil, usagef("--dialect %q: want duckdb or athena", f.dialect)
	}
	tables := athena.DefaultTables()
	for _, t := range f.tables {
		if err := tables.Add(t); err != nil {
			return "", nil, usagef("--athena-table: %v", err)
		}
	}
	fixed, fixes, err := athena.Rewrite(query, tables.AccessLog[0])
	for _, fx := range fixes {
		fmt.Fprintf(e.stderr, "s3sift sql: corrected %s\n", fx)
	}
	if err != nil {
		return "", nil, usagef("%v", err)
	}
	return fixed, athena.Statements(tables), nil
}

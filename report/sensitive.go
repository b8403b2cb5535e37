package report

import (
	"regexp"
	"strings"
)

// SensitivePatterns are the default key patterns of the sensitive report:
// case-insensitive regular expressions (RE2 syntax, as DuckDB's
// regexp_matches takes) for files that tend to hold secrets or whole data
// sets. --pattern adds to them.
var SensitivePatterns = []string{
	`(^|/)\.env($|\.)`,                           // dotenv files
	`(^|/)\.aws/`,                                // AWS CLI config and credentials
	`(^|/)credentials(\.|$|/)`,                   // credentials files
	`credentials\.(csv|json)$`,                   // downloaded access keys
	`(^|/)id_(rsa|dsa|ecdsa|ed25519)`,            // SSH private keys
	`\.(pem|key|p12|pfx|jks|keystore|kdbx|ppk)$`, // keys, certificates, key stores
	`(^|/)\.git/`,                                // a repository's internals
	`(^|/)\.(htpasswd|netrc|pgpass|npmrc|pypirc|dockercfg)$`,
	`(^|/)\.docker/config\.json$`,
	`secret`,                // secrets.yaml, client_secret.json …
	`passw(or)?d`,           // password lists
	`\.tfstate(\.backup)?$`, // Terraform state holds secrets in clear
	`(^|[/_.-])(backup|bak|dump)s?([/_.-]|$)`,
	`\.(bak|sql|dump|sql\.gz|sql\.bz2|mdb|sqlite3?|db)$`, // database dumps
	`(^|/)wallet`,                                        // wallets
}

// sensitiveRegexp joins the default patterns and extra ones into one
// case-insensitive expression.
func sensitiveRegexp(extra []string) string {
	all := append(append([]string(nil), SensitivePatterns...), extra...)
	return "(?i)(" + strings.Join(all, ")|(") + ")"
}

// checkRegexp rejects a pattern Go's RE2 cannot compile; DuckDB uses RE2
// too, so what passes here runs there.
func checkRegexp(p string) error {
	_, err := regexp.Compile(p)
	return err
}

package sqlgen

import (
	"strconv"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/s3sift/s3sift/event"
)

// This file maps CloudTrail's own JSON field names (eventName,
// userIdentity.sessionContext.sessionIssuer.userName, requestParameters.x)
// to the cloudtrail table's columns. The mapping is derived in one place
// from event.CloudTrail's Parquet schema: a snake_case column name is its
// JSON name in lowerCamelCase, except for the few names below.

// jsonNameExceptions are the members whose JSON name is not the
// lowerCamelCase of their column name, keyed by column path.
var jsonNameExceptions = map[string]string{
	"source_ip_address": "sourceIPAddress",
	"request_id":        "requestID",
	"event_id":          "eventID",
	"shared_event_id":   "sharedEventID",
	"resources.arn":     "ARN",
}

// ctSkip are columns that are not CloudTrail members: Extra (unknown
// members, searched separately), provenance (@log) and the copies below.
var ctSkip = map[string]bool{"extra": true, "source_object": true, "source_line": true,
	"request_bucket_name": true, "request_key": true}

// ctCopies are the members of free-form objects that ingest also copies
// into columns of their own (event.CloudTrail.RequestBucket, RequestKey),
// keyed by member path. A copy is NULL wherever the member is not a
// non-empty string (and in lakes written before the copies existed), so
// the member compiles to coalesce(copy, JSON lookup): the value is the
// lookup's in every case, and DuckDB parses the JSON only of the rows
// whose copy is NULL (it still reads the JSON text, which a query that
// must stay exact for those rows cannot avoid).
var ctCopies = map[string]string{
	"requestParameters.bucketName": "request_bucket_name",
	"requestParameters.key":        "request_key",
}

type ctKind uint8

const (
	ctLeaf   ctKind = iota // a scalar column or struct field
	ctStruct               // a fixed-shape object (a STRUCT)
	ctJSON                 // a free-form object kept as JSON text
	ctList                 // a list of fixed-shape objects (resources)
)

// ctNode is one member of the CloudTrail record.
type ctNode struct {
	json     string // member name in CloudTrail's JSON
	sql      string // SQL that reaches it from the row
	kind     ctKind
	t        typ // of a leaf
	children []*ctNode
}

func (n *ctNode) child(name string) *ctNode {
	for _, c := range n.children {
		if c.json == name {
			return c
		}
	}
	return nil
}

func (n *ctNode) childFold(name string) *ctNode {
	for _, c := range n.children {
		if strings.EqualFold(c.json, name) {
			return c
		}
	}
	return nil
}

var ctRoot = sync.OnceValue(func() *ctNode {
	root := &ctNode{kind: ctStruct}
	for _, f := range parquet.SchemaOf(new(event.CloudTrail)).Fields() {
		if ctSkip[f.Name()] || strings.HasPrefix(f.Name(), event.RequestColumnPrefix) {
			continue
		}
		root.children = append(root.children, ctBuild(f, "", quoteIdent(f.Name())))
	}
	return root
})

// ctBuild describes parquet field f, whose column path is prefix+name and
// which SQL expression sqlExpr reaches.
func ctBuild(f parquet.Field, prefix, sqlExpr string) *ctNode {
	path := prefix + f.Name()
	n := &ctNode{json: jsonName(path), sql: sqlExpr}
	switch {
	case f.Leaf():
		n.kind, n.t = ctLeaf, leafTyp(f)
		if event.IsJSONField(path) {
			n.kind = ctJSON
		}
	case isList(f):
		n.kind = ctList
		elem := f.Fields()[0].Fields()[0]
		for _, g := range elem.Fields() {
			// Element members are reached from a list element, whose SQL
			// the resolver supplies; keep only the field name here.
			n.children = append(n.children, ctBuild(g, path+".", quoteIdent(g.Name())))
		}
	default:
		n.kind = ctStruct
		for _, g := range f.Fields() {
			n.children = append(n.children, ctBuild(g, path+".", sqlExpr+"."+quoteIdent(g.Name())))
		}
	}
	return n
}

func isList(f parquet.Field) bool {
	lt := f.Type().LogicalType()
	if lt == nil {
		return false
	}
	_, ok := lt.Value.(*format.ListType)
	return ok
}

func leafTyp(f parquet.Field) typ {
	t := f.Type()
	if lt := t.LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.TimestampType, *format.DateType:
			return tTime
		case *format.IntType:
			return tNumber
		case *format.StringType, *format.JsonType:
			return tString
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return tBool
	case parquet.Int32, parquet.Int64, parquet.Float, parquet.Double:
		return tNumber
	}
	return tString
}

// jsonName returns CloudTrail's name for the column at path (the last
// element of the snake_case path, in lowerCamelCase).
func jsonName(path string) string {
	if s, ok := jsonNameExceptions[path]; ok {
		return s
	}
	name := path[strings.LastIndexByte(path, '.')+1:]
	parts := strings.Split(name, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// CloudTrailFields returns every CloudTrail member name s3sift maps to a
// column, as a query names it (eventName, userIdentity.arn, ...), with the
// SQL it compiles to. Free-form objects (requestParameters) are listed by
// their own name; any path below them is also valid.
func CloudTrailFields() map[string]string {
	out := map[string]string{}
	var walk func(n *ctNode, prefix string)
	walk = func(n *ctNode, prefix string) {
		for _, c := range n.children {
			name := prefix + c.json
			switch c.kind {
			case ctStruct:
				walk(c, name+".")
			case ctList:
				out[name] = c.sql
			default:
				out[name] = c.sql
			}
		}
	}
	walk(ctRoot(), "")
	return out
}

// resolveCloudTrail compiles a CloudTrail field name.
func resolveCloudTrail(name string) (val, string) {
	parts := strings.Split(name, ".")
	node := ctRoot()
	base := "" // SQL of the current list element, when inside one
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		c := node.child(p)
		if c == nil {
			if alt := node.childFold(p); alt != nil {
				return val{}, "unknown field " + strconv.Quote(name) + "; did you mean " +
					strconv.Quote(strings.Join(append(append([]string{}, parts[:i]...), alt.json), ".")) + "? (names are case-sensitive)"
			}
			if i == 0 {
				if v, ok := snakeColumn(p, parts); ok {
					return v, ""
				}
			}
			// A member s3sift does not model: the decoder keeps it in
			// extra under its dotted path.
			return extraLookup(parts[:i+1], parts[i+1:]), ""
		}
		sqlExpr := c.sql
		if base != "" {
			sqlExpr = base + "." + c.sql
		}
		last := i == len(parts)-1
		switch c.kind {
		case ctLeaf:
			if !last {
				return val{}, strconv.Quote(strings.Join(parts[:i+1], ".")) + " is a single value; it has no member " + strconv.Quote(parts[i+1])
			}
			v := val{sql: sqlExpr, t: c.t}
			if c.t == tString {
				// The decoder keeps an empty string (and a value of the
				// wrong type) in extra, since the column cannot hold it.
				v.bare, v.fallback = sqlExpr, extraLookup(parts, nil).sql
				v.sql = "coalesce(" + v.bare + ", " + v.fallback + ")"
			}
			return v, ""
		case ctJSON:
			if last {
				return val{sql: "CAST(" + sqlExpr + " AS VARCHAR)", t: tAny}, ""
			}
			lookup := "json_extract_string(" + sqlExpr + ", " + quoteString(jsonPointer(parts[i+1:])) + ")"
			if col, ok := ctCopies[name]; ok && base == "" {
				// No raw: the substring test would scan every row's
				// JSON text, where the copy answers all but a few rows.
				return val{sql: "coalesce(" + quoteIdent(col) + ", " + lookup + ")", t: tAny}, ""
			}
			return val{sql: lookup, t: tAny, raw: sqlExpr}, ""
		case ctStruct:
			if last {
				return val{sql: "CAST(" + ctObject(c, base) + " AS VARCHAR)", t: tAny}, ""
			}
			node = c
		case ctList:
			if last {
				return val{sql: "CAST(" + ctListJSON(c, sqlExpr) + " AS VARCHAR)", t: tAny}, ""
			}
			idx, err := strconv.Atoi(parts[i+1])
			if err != nil || idx < 0 {
				return val{}, strconv.Quote(strings.Join(parts[:i+1], ".")) + " is a list; name an element by its index, as in " + strings.Join(parts[:i+1], ".") + ".0." + parts[i+1]
			}
			base = sqlExpr + "[" + strconv.Itoa(idx+1) + "]"
			node = c
			i++
			if i == len(parts)-1 {
				return val{sql: "CAST(" + ctElement(c, base) + " AS VARCHAR)", t: tAny}, ""
			}
		}
	}
	return val{}, "unknown field " + strconv.Quote(name)
}

// snakeColumn resolves a table column named as in SQL (event_name, date),
// an s3sift extension for names that are not CloudTrail members.
func snakeColumn(first string, parts []string) (val, bool) {
	if len(parts) != 1 {
		return val{}, false
	}
	tbl, ok := event.LookupTable(event.TableCloudTrail)
	if !ok {
		return val{}, false
	}
	c, ok := tbl.Column(first)
	if !ok || strings.HasPrefix(c.Type, "STRUCT") {
		return val{}, false
	}
	return val{sql: quoteIdent(first), t: duckTyp(c.Type)}, true
}

// extraLookup reads an unmodelled member from extra: key is the member's
// dotted path (its key in extra), rest a path inside its value.
func extraLookup(key, rest []string) val {
	ptr := jsonPointer(append([]string{strings.Join(key, ".")}, rest...))
	return val{sql: "json_extract_string(\"extra\", " + quoteString(ptr) + ")", t: tAny}
}

// ctObject rebuilds a fixed-shape object as JSON with CloudTrail's names.
func ctObject(n *ctNode, base string) string {
	var b strings.Builder
	b.WriteString("json_object(")
	for i, c := range n.children {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteString(c.json))
		b.WriteString(", ")
		sqlExpr := c.sql
		if base != "" {
			sqlExpr = base + "." + c.sql
		}
		b.WriteString(ctValue(c, sqlExpr, base))
	}
	b.WriteString(")")
	return b.String()
}

func ctValue(c *ctNode, sqlExpr, base string) string {
	switch c.kind {
	case ctStruct:
		return ctObject(c, base)
	case ctJSON:
		return "CAST(nullif(CAST(" + sqlExpr + " AS VARCHAR), '') AS JSON)"
	case ctList:
		return ctListJSON(c, sqlExpr)
	}
	if c.t == tTime {
		return "strftime(" + sqlExpr + ", '%Y-%m-%dT%H:%M:%SZ')"
	}
	return sqlExpr
}

func ctListJSON(c *ctNode, sqlExpr string) string {
	// json_merge_patch drops the null members of each element.
	return "to_json(list_transform(" + sqlExpr + ", lambda r: json_merge_patch('{}', " + ctElement(c, "r") + ")))"
}

func ctElement(c *ctNode, elem string) string {
	return ctObject(&ctNode{children: c.children}, elem)
}

// ctMessage rebuilds the whole record as JSON: the modelled members with
// CloudTrail's names, plus the members kept in extra; null members are
// dropped, as CloudTrail omits them.
var ctMessage = sync.OnceValue(func() string {
	return "CAST(json_merge_patch('{}', json_merge_patch(" + ctObject(ctRoot(), "") + `, coalesce("extra", '{}'))) AS VARCHAR)`
})

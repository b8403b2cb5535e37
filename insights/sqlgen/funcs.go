package sqlgen

import (
	"strconv"
	"strings"

	"github.com/s3sift/s3sift/insights"
)

// interval returns the SQL INTERVAL of a time period.
func interval(d *insights.DurationLit) string {
	n := itoa(d.N)
	switch d.Unit {
	case "ms":
		return "to_milliseconds(" + n + ")"
	case "s":
		return "to_seconds(" + n + ")"
	case "m":
		return "to_minutes(" + n + ")"
	case "h":
		return "to_hours(" + n + ")"
	case "d":
		return "to_days(" + n + ")"
	case "w":
		return "to_weeks(" + n + ")"
	case "mo":
		return "to_months(" + n + ")"
	case "q":
		return "to_months(" + itoa(3*d.N) + ")"
	}
	return "to_years(" + n + ")"
}

// bucket rounds timestamp ts down to period d. Periods up to a day count
// from the Unix epoch, weeks start on Monday, months, quarters and years
// on the first of January.
func bucket(d *insights.DurationLit, ts string) string {
	switch d.Unit {
	case "w", "mo", "q", "y":
		return "time_bucket(" + interval(d) + ", " + ts + ")"
	}
	return "time_bucket(" + interval(d) + ", " + ts + ", TIMESTAMP '1970-01-01')"
}

func (c *compiler) call(x *insights.CallExpr, ctx exprCtx) val {
	f, _ := insights.LookupFunc(x.Name)
	if f.Kind == insights.Aggregate {
		return c.aggregate(x, ctx)
	}
	args := make([]val, len(x.Args))
	agg := false
	for i, a := range x.Args {
		args[i] = c.expr(a, ctx)
		agg = agg || args[i].agg
		if args[i].t == tPeriod && !periodArg(f.Name, i) {
			c.errorf(insights.ErrInvalid, a, "a time period is not an argument of %s", f.Name)
		}
	}
	v := c.scalar(x, f.Name, args)
	v.agg = v.agg || agg
	return v
}

func periodArg(fn string, i int) bool {
	return (fn == "bin" && i == 0) || ((fn == "datefloor" || fn == "dateceil") && i == 1)
}

func texts(args []val) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = asText(a)
	}
	return out
}

func numbers(args []val) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = asNumber(a)
	}
	return out
}

func (c *compiler) scalar(x *insights.CallExpr, name string, a []val) val {
	str := func(s string) val { return val{sql: s, t: tString} }
	num := func(s string) val { return val{sql: s, t: tNumber} }
	boolean := func(s string) val { return val{sql: s, t: tBool} }
	for i, v := range a {
		if v.t == tList && name != "coalesce" && name != "ispresent" && name != "isempty" {
			c.errorf(insights.ErrInvalid, x.Args[i], "%s does not take a list", name)
		}
	}
	switch name {
	case "concat":
		return str("concat(" + strings.Join(texts(a), ", ") + ")")
	case "ltrim", "rtrim", "trim":
		if len(a) == 2 {
			return str(name + "(" + asText(a[0]) + ", " + asText(a[1]) + ")")
		}
		// Logs Insights trims white space, not only spaces.
		re := map[string]string{"ltrim": `^\s+`, "rtrim": `\s+$`, "trim": `^\s+|\s+$`}[name]
		return str("regexp_replace(" + asText(a[0]) + ", " + quoteString(re) + ", '', 'g')")
	case "strlen":
		return num("length(" + asText(a[0]) + ")")
	case "toupper":
		return str("upper(" + asText(a[0]) + ")")
	case "tolower":
		return str("lower(" + asText(a[0]) + ")")
	case "substr":
		// Logs Insights counts from 0, SQL from 1.
		s := "substr(" + asText(a[0]) + ", CAST(" + asNumber(a[1]) + " AS BIGINT) + 1"
		if len(a) == 3 {
			s += ", CAST(" + asNumber(a[2]) + " AS BIGINT)"
		}
		return str(s + ")")
	case "replace":
		return str("replace(" + strings.Join(texts(a), ", ") + ")")
	case "strcontains":
		return num("CAST(contains(" + asText(a[0]) + ", " + asText(a[1]) + ") AS INTEGER)")
	case "isempty":
		return boolean("(" + a[0].sql + " IS NULL OR " + asText(a[0]) + " = '')")
	case "isblank":
		return boolean("(" + a[0].sql + " IS NULL OR regexp_full_match(" + asText(a[0]) + ", '\\s*'))")
	case "ispresent":
		return boolean("(" + a[0].sql + " IS NOT NULL)")
	case "abs", "ceil", "floor", "sqrt":
		return num(name + "(" + asNumber(a[0]) + ")")
	case "log":
		return num("ln(" + asNumber(a[0]) + ")")
	case "greatest", "least":
		return num(name + "(" + strings.Join(numbers(a), ", ") + ")")
	case "bin":
		d := c.period(x, 0)
		if c.st.tbl == nil {
			c.errorf(insights.ErrInvalid, x, "bin rounds @timestamp, which does not exist after stats; use datefloor(field, %s)", insights.FormatExpr(d))
		}
		return val{sql: bucket(d, c.st.tbl.timeCol), t: tTime}
	case "datefloor", "dateceil":
		d := c.period(x, 1)
		ts := c.timeArg(x, 0, a[0])
		floor := bucket(d, ts)
		if name == "datefloor" {
			return val{sql: floor, t: tTime}
		}
		return val{sql: "CASE WHEN " + floor + " = " + ts + " THEN " + ts + " ELSE " + floor + " + " + interval(d) + " END", t: tTime}
	case "fromMillis":
		return val{sql: "epoch_ms(CAST(" + asNumber(a[0]) + " AS BIGINT))", t: tTime}
	case "toMillis":
		return num("epoch_ms(" + c.timeArg(x, 0, a[0]) + ")")
	case "isValidIp":
		t := asText(a[0])
		return boolean("(" + validIPv4(t) + " OR " + validIPv6(t) + ")")
	case "isValidIpV4":
		return boolean(validIPv4(asText(a[0])))
	case "isValidIpV6":
		return boolean(validIPv6(asText(a[0])))
	case "isIpInSubnet", "isIpv4InSubnet", "isIpv6InSubnet":
		return boolean(c.inSubnet(x, name, asText(a[0])))
	case "coalesce":
		t := a[0].t
		for _, v := range a[1:] {
			if v.t != t {
				return val{sql: "coalesce(" + strings.Join(texts(a), ", ") + ")", t: tAny}
			}
		}
		sqls := make([]string, len(a))
		for i, v := range a {
			sqls[i] = v.sql
		}
		return val{sql: "coalesce(" + strings.Join(sqls, ", ") + ")", t: t}
	case "unmask":
		return a[0]
	}
	c.errorf(insights.ErrUnsupported, x, "function %s is not supported", name)
	return val{}
}

// period returns argument i of x, which must be a time period.
func (c *compiler) period(x *insights.CallExpr, i int) *insights.DurationLit {
	arg := x.Args[i]
	for {
		p, ok := arg.(*insights.ParenExpr)
		if !ok {
			break
		}
		arg = p.X
	}
	d, ok := arg.(*insights.DurationLit)
	if !ok {
		c.errorf(insights.ErrInvalid, x.Args[i], "%s takes a time period such as 5m or 1h here, not %s", x.Name, insights.FormatExpr(x.Args[i]))
	}
	if d.N <= 0 {
		c.errorf(insights.ErrInvalid, d, "a time period must be longer than 0")
	}
	return d
}

// timeArg returns argument i as a timestamp.
func (c *compiler) timeArg(x *insights.CallExpr, i int, v val) string {
	switch v.t {
	case tTime:
		return v.sql
	case tNumber:
		return "epoch_ms(CAST(" + v.sql + " AS BIGINT))"
	case tAny, tString:
		return "TRY_CAST(" + v.sql + " AS TIMESTAMP)"
	}
	c.errorf(insights.ErrInvalid, x.Args[i], "%s takes a timestamp, not a %s", x.Name, v.t)
	return ""
}

func (c *compiler) aggregate(x *insights.CallExpr, ctx exprCtx) val {
	if !ctx.statsAgg {
		c.errorf(insights.ErrInvalid, x, "%s is an aggregate function: use it in stats", x.Name)
	}
	if ctx.inAgg {
		c.errorf(insights.ErrInvalid, x, "%s cannot be inside another aggregate function", x.Name)
	}
	inner := exprCtx{statsAgg: true, inAgg: true}
	args := make([]val, len(x.Args))
	for i, a := range x.Args {
		args[i] = c.expr(a, inner)
		switch args[i].t {
		case tPeriod, tRegex:
			c.errorf(insights.ErrInvalid, a, "%s does not take a %s", x.Name, args[i].t)
		}
	}
	agg := func(s string, t typ) val { return val{sql: s, t: t, agg: true} }
	switch x.Name {
	case "count":
		if x.Star || len(args) == 0 {
			return agg("count(*)", tNumber)
		}
		return agg("count("+args[0].sql+")", tNumber)
	case "count_distinct":
		return agg("count(DISTINCT "+args[0].sql+")", tNumber)
	case "avg", "sum":
		return agg(x.Name+"("+asNumber(args[0])+")", tNumber)
	case "stddev":
		return agg("stddev_samp("+asNumber(args[0])+")", tNumber)
	case "max", "min":
		v := args[0]
		if v.t == tAny {
			// Text of unknown type: compared as numbers when every value
			// is one (the value is returned as written), else as text.
			n := "TRY_CAST(" + v.sql + " AS DOUBLE)"
			pick := map[string]string{"max": "arg_max", "min": "arg_min"}[x.Name]
			return agg("CASE WHEN count("+n+") = count("+v.sql+") THEN "+pick+"("+v.sql+", "+n+") ELSE "+x.Name+"("+v.sql+") END", tAny)
		}
		return agg(x.Name+"("+v.sql+")", v.t)
	case "sortsFirst":
		return agg("min("+args[0].sql+")", args[0].t)
	case "sortsLast":
		return agg("max("+args[0].sql+")", args[0].t)
	case "pct":
		p, ok := x.Args[1].(*insights.NumberLit)
		f, err := strconv.ParseFloat(strings.TrimSpace(litText(p, ok)), 64)
		if !ok || err != nil || f < 0 || f > 100 {
			c.errorf(insights.ErrInvalid, x.Args[1], "pct takes a percentile from 0 to 100 as a number, as in pct(x, 95)")
		}
		return agg("quantile_disc("+asNumber(args[0])+", "+strconv.FormatFloat(f/100, 'g', -1, 64)+")", tNumber)
	case "earliest", "latest":
		if c.st.tbl == nil {
			c.errorf(insights.ErrInvalid, x, "%s needs @timestamp, which does not exist after stats", x.Name)
		}
		fn := "arg_min"
		if x.Name == "latest" {
			fn = "arg_max"
		}
		return agg(fn+"("+args[0].sql+", "+c.st.tbl.timeCol+")", args[0].t)
	}
	c.errorf(insights.ErrUnsupported, x, "aggregate %s is not supported", x.Name)
	return val{}
}

func litText(p *insights.NumberLit, ok bool) string {
	if !ok {
		return ""
	}
	return p.Text
}

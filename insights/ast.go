package insights

// Node is any node of the syntax tree. The interfaces are sealed: only
// this package implements them.
type Node interface {
	Pos() Pos // first character of the node
	End() Pos // position just after the node
	node()
}

// Command is one stage of the pipeline.
type Command interface {
	Node
	command()
}

// Expr is an expression.
type Expr interface {
	Node
	expr()
}

// Query is a whole query: commands separated by "|".
type Query struct {
	Commands []Command
	EndPos   Pos // end of the query text
}

// Projection is an expression with an optional alias ("x as y"), as
// fields, stats and parse use them.
type Projection struct {
	Expr  Expr
	Alias *Ident // nil when there is no "as"
}

// Ident is a name given by the query: an alias or a parse output.
type Ident struct {
	NamePos Pos
	Name    string
	Quoted  bool // written in backticks
	EndPos  Pos
}

// SortKey is one key of a sort command.
type SortKey struct {
	Expr     Expr
	Desc     bool
	Explicit bool // asc or desc was written
	DirPos   Pos  // position of asc/desc when Explicit
}

// Commands.
type (
	// FieldsCmd is "fields a, b as c, f(x) as d": it adds the listed
	// fields to the result and defines the aliases for later commands.
	FieldsCmd struct {
		Keyword Pos
		Items   []*Projection
	}

	// DisplayCmd is "display a, b": the result shows only these fields
	// (the last display wins).
	DisplayCmd struct {
		Keyword Pos
		Fields  []*FieldRef
	}

	// FilterCmd is "filter cond".
	FilterCmd struct {
		Keyword Pos
		Cond    Expr
	}

	// StatsCmd is "stats agg(x) as a, ... by k1, k2 as b".
	StatsCmd struct {
		Keyword Pos
		Aggs    []*Projection
		By      []*Projection
	}

	// SortCmd is "sort a desc, b asc".
	SortCmd struct {
		Keyword Pos
		Keys    []*SortKey
	}

	// LimitCmd is "limit n".
	LimitCmd struct {
		Keyword Pos
		N       int64
		NPos    Pos
		NEnd    Pos
	}

	// ParseCmd is `parse src "glob * pattern *" as a, b` or
	// "parse src /(?<a>re)/".
	ParseCmd struct {
		Keyword Pos
		Src     Expr
		Pattern Expr     // *StringLit (glob) or *RegexLit
		Names   []*Ident // the "as" list of a glob; empty for a regex
	}

	// DedupCmd is "dedup a, b".
	DedupCmd struct {
		Keyword Pos
		Fields  []*FieldRef
	}

	// UnmaskCmd is "unmask" or "unmask(@message)": s3sift masks nothing,
	// so it changes no result.
	UnmaskCmd struct {
		Keyword Pos
		Args    []Expr
		EndPos  Pos
	}
)

// Expressions.
type (
	// FieldRef names a field: eventName, @timestamp,
	// userIdentity.sessionContext.sessionIssuer.userName, `odd-name`.
	FieldRef struct {
		NamePos Pos
		Name    string
		Quoted  bool
		EndPos  Pos
	}

	// StringLit is a quoted string; Value is unquoted.
	StringLit struct {
		ValuePos Pos
		Value    string
		EndPos   Pos
	}

	// NumberLit is a number as written.
	NumberLit struct {
		ValuePos Pos
		Text     string
		EndPos   Pos
	}

	// DurationLit is a time period such as 5m or 1h.
	DurationLit struct {
		ValuePos Pos
		N        int64
		Unit     string // ms s m h d w mo q y
		EndPos   Pos
	}

	// RegexLit is /pattern/; Pattern has "\/" already turned into "/".
	RegexLit struct {
		ValuePos Pos
		Pattern  string
		EndPos   Pos
	}

	// ListLit is [a, b, c], the right side of in.
	ListLit struct {
		Lbrack Pos
		Elems  []Expr
		Rbrack Pos
	}

	// CallExpr is a function call. Star is set for count(*).
	CallExpr struct {
		NamePos Pos
		Name    string // as the catalogue spells it
		Args    []Expr
		Star    bool
		Rparen  Pos
	}

	// UnaryExpr is "not x" or "-x".
	UnaryExpr struct {
		OpPos Pos
		Op    Token // NOT or SUB
		X     Expr
	}

	// BinaryExpr is x op y for arithmetic, comparison, and/or, =~, like
	// and not like.
	BinaryExpr struct {
		X     Expr
		OpPos Pos
		Op    Token
		Y     Expr
	}

	// InExpr is "x in [..]" or "x not in [..]".
	InExpr struct {
		X     Expr
		OpPos Pos
		Not   bool
		List  *ListLit
	}

	// ParenExpr is (x), kept so a result column is named as written.
	ParenExpr struct {
		Lparen Pos
		X      Expr
		Rparen Pos
	}
)

func (q *Query) Pos() Pos {
	if len(q.Commands) > 0 {
		return q.Commands[0].Pos()
	}
	return Pos{Offset: 0, Line: 1, Col: 1}
}
func (q *Query) End() Pos { return q.EndPos }

func (p *Projection) Pos() Pos { return p.Expr.Pos() }
func (p *Projection) End() Pos {
	if p.Alias != nil {
		return p.Alias.End()
	}
	return p.Expr.End()
}

func (x *Ident) Pos() Pos { return x.NamePos }
func (x *Ident) End() Pos { return x.EndPos }

func (k *SortKey) Pos() Pos { return k.Expr.Pos() }
func (k *SortKey) End() Pos {
	if k.Explicit {
		if k.Desc {
			return advance(k.DirPos, 4)
		}
		return advance(k.DirPos, 3)
	}
	return k.Expr.End()
}

func (c *FieldsCmd) Pos() Pos  { return c.Keyword }
func (c *FieldsCmd) End() Pos  { return c.Items[len(c.Items)-1].End() }
func (c *DisplayCmd) Pos() Pos { return c.Keyword }
func (c *DisplayCmd) End() Pos { return c.Fields[len(c.Fields)-1].End() }
func (c *FilterCmd) Pos() Pos  { return c.Keyword }
func (c *FilterCmd) End() Pos  { return c.Cond.End() }
func (c *StatsCmd) Pos() Pos   { return c.Keyword }
func (c *StatsCmd) End() Pos {
	if len(c.By) > 0 {
		return c.By[len(c.By)-1].End()
	}
	return c.Aggs[len(c.Aggs)-1].End()
}
func (c *SortCmd) Pos() Pos  { return c.Keyword }
func (c *SortCmd) End() Pos  { return c.Keys[len(c.Keys)-1].End() }
func (c *LimitCmd) Pos() Pos { return c.Keyword }
func (c *LimitCmd) End() Pos { return c.NEnd }
func (c *ParseCmd) Pos() Pos { return c.Keyword }
func (c *ParseCmd) End() Pos {
	if len(c.Names) > 0 {
		return c.Names[len(c.Names)-1].End()
	}
	return c.Pattern.End()
}
func (c *DedupCmd) Pos() Pos  { return c.Keyword }
func (c *DedupCmd) End() Pos  { return c.Fields[len(c.Fields)-1].End() }
func (c *UnmaskCmd) Pos() Pos { return c.Keyword }
func (c *UnmaskCmd) End() Pos { return c.EndPos }

func (x *FieldRef) Pos() Pos    { return x.NamePos }
func (x *FieldRef) End() Pos    { return x.EndPos }
func (x *StringLit) Pos() Pos   { return x.ValuePos }
func (x *StringLit) End() Pos   { return x.EndPos }
func (x *NumberLit) Pos() Pos   { return x.ValuePos }
func (x *NumberLit) End() Pos   { return x.EndPos }
func (x *DurationLit) Pos() Pos { return x.ValuePos }
func (x *DurationLit) End() Pos { return x.EndPos }
func (x *RegexLit) Pos() Pos    { return x.ValuePos }
func (x *RegexLit) End() Pos    { return x.EndPos }
func (x *ListLit) Pos() Pos     { return x.Lbrack }
func (x *ListLit) End() Pos     { return advance(x.Rbrack, 1) }
func (x *CallExpr) Pos() Pos    { return x.NamePos }
func (x *CallExpr) End() Pos    { return advance(x.Rparen, 1) }
func (x *UnaryExpr) Pos() Pos   { return x.OpPos }
func (x *UnaryExpr) End() Pos   { return x.X.End() }
func (x *BinaryExpr) Pos() Pos  { return x.X.Pos() }
func (x *BinaryExpr) End() Pos  { return x.Y.End() }
func (x *InExpr) Pos() Pos      { return x.X.Pos() }
func (x *InExpr) End() Pos      { return x.List.End() }
func (x *ParenExpr) Pos() Pos   { return x.Lparen }
func (x *ParenExpr) End() Pos   { return advance(x.Rparen, 1) }

func (*Query) node()      {}
func (*Projection) node() {}
func (*Ident) node()      {}
func (*SortKey) node()    {}

func (*FieldsCmd) node()  {}
func (*DisplayCmd) node() {}
func (*FilterCmd) node()  {}
func (*StatsCmd) node()   {}
func (*SortCmd) node()    {}
func (*LimitCmd) node()   {}
func (*ParseCmd) node()   {}
func (*DedupCmd) node()   {}
func (*UnmaskCmd) node()  {}

func (*FieldsCmd) command()  {}
func (*DisplayCmd) command() {}
func (*FilterCmd) command()  {}
func (*StatsCmd) command()   {}
func (*SortCmd) command()    {}
func (*LimitCmd) command()   {}
func (*ParseCmd) command()   {}
func (*DedupCmd) command()   {}
func (*UnmaskCmd) command()  {}

func (*FieldRef) node()    {}
func (*StringLit) node()   {}
func (*NumberLit) node()   {}
func (*DurationLit) node() {}
func (*RegexLit) node()    {}
func (*ListLit) node()     {}
func (*CallExpr) node()    {}
func (*UnaryExpr) node()   {}
func (*BinaryExpr) node()  {}
func (*InExpr) node()      {}
func (*ParenExpr) node()   {}

func (*FieldRef) expr()    {}
func (*StringLit) expr()   {}
func (*NumberLit) expr()   {}
func (*DurationLit) expr() {}
func (*RegexLit) expr()    {}
func (*ListLit) expr()     {}
func (*CallExpr) expr()    {}
func (*UnaryExpr) expr()   {}
func (*BinaryExpr) expr()  {}
func (*InExpr) expr()      {}
func (*ParenExpr) expr()   {}

// advance returns p moved n bytes right on the same line.
func advance(p Pos, n int) Pos {
	return Pos{Offset: p.Offset + n, Line: p.Line, Col: p.Col + n}
}

package insights

// Visitor's Visit is called for each node Walk meets. If it returns a
// non-nil visitor w, Walk visits the node's children with w and then calls
// w.Visit(nil).
type Visitor interface {
	Visit(n Node) (w Visitor)
}

// Walk traverses the tree rooted at n depth-first, in source order.
func Walk(v Visitor, n Node) {
	if v = v.Visit(n); v == nil {
		return
	}
	switch n := n.(type) {
	case *Query:
		for _, c := range n.Commands {
			Walk(v, c)
		}
	case *Projection:
		Walk(v, n.Expr)
		if n.Alias != nil {
			Walk(v, n.Alias)
		}
	case *SortKey:
		Walk(v, n.Expr)
	case *FieldsCmd:
		for _, p := range n.Items {
			Walk(v, p)
		}
	case *DisplayCmd:
		for _, f := range n.Fields {
			Walk(v, f)
		}
	case *FilterCmd:
		Walk(v, n.Cond)
	case *StatsCmd:
		for _, p := range n.Aggs {
			Walk(v, p)
		}
		for _, p := range n.By {
			Walk(v, p)
		}
	case *SortCmd:
		for _, k := range n.Keys {
			Walk(v, k)
		}
	case *ParseCmd:
		Walk(v, n.Src)
		Walk(v, n.Pattern)
		for _, id := range n.Names {
			Walk(v, id)
		}
	case *DedupCmd:
		for _, f := range n.Fields {
			Walk(v, f)
		}
	case *UnmaskCmd:
		for _, a := range n.Args {
			Walk(v, a)
		}
	case *ListLit:
		for _, e := range n.Elems {
			Walk(v, e)
		}
	case *CallExpr:
		for _, a := range n.Args {
			Walk(v, a)
		}
	case *UnaryExpr:
		Walk(v, n.X)
	case *BinaryExpr:
		Walk(v, n.X)
		Walk(v, n.Y)
	case *InExpr:
		Walk(v, n.X)
		Walk(v, n.List)
	case *ParenExpr:
		Walk(v, n.X)
	case *LimitCmd, *Ident, *FieldRef, *StringLit, *NumberLit, *DurationLit, *RegexLit:
		// leaves
	}
	v.Visit(nil)
}

type inspector func(Node) bool

func (f inspector) Visit(n Node) Visitor {
	if f(n) {
		return f
	}
	return nil
}

// Inspect traverses the tree rooted at n, calling f for each node and then
// f(nil) after a node's children. If f returns false, the node's children
// are skipped.
func Inspect(n Node, f func(Node) bool) {
	Walk(inspector(f), n)
}

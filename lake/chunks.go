package lake

import "sync"

// chunkRows is the number of rows per chunk of a Chunks.
const chunkRows = 4096

// Chunks holds rows in fixed-size chunks, so that it grows without copying
// what it holds (rows are large structs, buffers hold hundreds of
// thousands) and hands its chunks back to a pool when emptied.
type Chunks[T any] struct {
	chunks [][]T
	n      int
}

// chunkPools holds one pool of spare chunks per row type.
var chunkPools sync.Map // keyed by a nil *T, distinct for each T

func pool[T any]() *sync.Pool {
	var zero *T
	if p, ok := chunkPools.Load(any(zero)); ok {
		return p.(*sync.Pool)
	}
	p, _ := chunkPools.LoadOrStore(any(zero), &sync.Pool{})
	return p.(*sync.Pool)
}

// NewChunks returns a Chunks holding a copy of rows.
func NewChunks[T any](rows []T) *Chunks[T] {
	c := &Chunks[T]{}
	for i := range rows {
		c.Append(&rows[i])
	}
	return c
}

// Len returns the number of rows.
func (c *Chunks[T]) Len() int { return c.n }

// At returns row i, valid until the row is dropped.
func (c *Chunks[T]) At(i int) *T { return &c.chunks[i/chunkRows][i%chunkRows] }

// Append adds a copy of *v.
func (c *Chunks[T]) Append(v *T) {
	if c.n == len(c.chunks)*chunkRows {
		ch, _ := pool[T]().Get().(*[]T)
		if ch == nil {
			s := make([]T, chunkRows)
			ch = &s
		}
		c.chunks = append(c.chunks, *ch)
	}
	c.chunks[c.n/chunkRows][c.n%chunkRows] = *v
	c.n++
}

// Truncate drops the rows from n on.
func (c *Chunks[T]) Truncate(n int) {
	if n >= c.n {
		return
	}
	keep := (n + chunkRows - 1) / chunkRows
	if keep > 0 {
		clear(c.chunks[keep-1][n-(keep-1)*chunkRows:])
	}
	for i := keep; i < len(c.chunks); i++ {
		ch := c.chunks[i]
		clear(ch)
		pool[T]().Put(&ch)
		c.chunks[i] = nil
	}
	c.chunks = c.chunks[:keep]
	c.n = n
}

// Drop removes the first n rows, keeping the rest in order.
func (c *Chunks[T]) Drop(n int) {
	if n <= 0 {
		return
	}
	if n >= c.n {
		c.Truncate(0)
		return
	}
	rest := &Chunks[T]{}
	for i := n; i < c.n; i++ {
		rest.Append(c.At(i))
	}
	c.Truncate(0)
	*c = *rest
}

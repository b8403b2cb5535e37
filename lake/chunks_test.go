package lake_test

import (
	"testing"

	"github.com/s3sift/s3sift/lake"
)

func TestChunks(t *testing.T) {
	values := func(c *lake.Chunks[int]) []int {
		out := make([]int, c.Len())
		for i := range out {
			out[i] = *c.At(i)
		}
		return out
	}
	seq := func(from, to int) []int {
		var out []int
		for i := from; i < to; i++ {
			out = append(out, i)
		}
		return out
	}
	const n = 10000 // more than two chunks
	tests := []struct {
		name string
		op   func(c *lake.Chunks[int])
		want []int
	}{
		{"append", func(c *lake.Chunks[int]) {}, seq(0, n)},
		{"truncate inside a chunk", func(c *lake.Chunks[int]) { c.Truncate(5000) }, seq(0, 5000)},
		{"truncate at a chunk boundary", func(c *lake.Chunks[int]) { c.Truncate(4096) }, seq(0, 4096)},
		{"truncate to zero", func(c *lake.Chunks[int]) { c.Truncate(0) }, nil},
		{"truncate beyond", func(c *lake.Chunks[int]) { c.Truncate(n + 5) }, seq(0, n)},
		{"drop", func(c *lake.Chunks[int]) { c.Drop(4100) }, seq(4100, n)},
		{"drop all", func(c *lake.Chunks[int]) { c.Drop(n) }, nil},
		{"truncate then append", func(c *lake.Chunks[int]) {
			c.Truncate(3)
			for i := 3; i < 9000; i++ {
				v := -i
				c.Append(&v)
			}
		}, append(seq(0, 3), func() []int {
			var out []int
			for i := 3; i < 9000; i++ {
				out = append(out, -i)
			}
			return out
		}()...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lake.NewChunks(seq(0, n))
			tt.op(c)
			got := values(c)
			if len(got) != len(tt.want) {
				t.Fatalf("Len = %d, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("row %d = %d, want %d", i, got[i], tt.want[i])
				}
			}
		})
	}
}

package gen_test

import (
	"fmt"
	"os"

	"github.com/s3sift/s3sift/gen"
)

// Generate the small data set and read a known answer from its Truth.
func ExampleGenerate() {
	dir, err := os.MkdirTemp("", "gen-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	cfg, err := gen.ForScale(gen.Small, 1)
	if err != nil {
		panic(err)
	}
	tr, err := gen.Generate(dir, cfg)
	if err != nil {
		panic(err)
	}
	for _, d := range tr.DeletionsOf(gen.BucketProd, tr.Incidents.DeletedKey) {
		fmt.Println(d.Principal, d.Operation)
	}
	fmt.Println("top IP:", tr.TopIPs(1)[0].IP)
	fmt.Println("malformed lines:", len(tr.Malformed))
	// Output:
	// arn:aws:iam::111122223333:user/contractor-tmp REST.DELETE.OBJECT
	// top IP: 185.220.101.47
	// malformed lines: 3
}

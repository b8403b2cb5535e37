package policy

// GroupSQL exposes the replay statement to tests.
func GroupSQL(p *Policy, w Window) (string, []any) { return planInputs(p, w.Bucket).groupSQL(w) }

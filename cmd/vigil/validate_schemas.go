package main

import (
	"context"
	"fmt"

	"github.com/vigilhq/vigil/schemas"
)

func cmdValidateSchemas(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate-schemas", "[flags]",
		"Compiles every embedded task_params schema and validates the examples under schemas/examples/\n(valid/ must pass, invalid/ must fail).")
	if err := parse(fs, args); err != nil {
		return err
	}
	v, err := schemas.New()
	if err != nil {
		return fmt.Errorf("schemas do not compile: %w", err)
	}
	for _, jt := range schemas.JobTypes() {
		fmt.Fprintf(e.stdout, "schema %-16s versions %v\n", jt, v.Versions(jt))
	}
	results, err := v.CheckExamples()
	if err != nil {
		return err
	}
	bad := 0
	for _, r := range results {
		mark := "ok  "
		if !r.OK() {
			mark, bad = "FAIL", bad+1
		}
		want := "valid"
		if !r.Want {
			want = "invalid"
		}
		fmt.Fprintf(e.stdout, "%s %s (expected %s)", mark, r.Path, want)
		if r.Err != nil && (!r.OK() || !r.Want) {
			fmt.Fprintf(e.stdout, ": %v", r.Err)
		}
		fmt.Fprintln(e.stdout)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d examples did not validate as expected", bad, len(results))
	}
	fmt.Fprintf(e.stdout, "%d examples checked\n", len(results))
	return nil
}

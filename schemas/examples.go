package schemas

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// ExampleResult is the outcome of validating one embedded example file.
type ExampleResult struct {
	// Path is the embedded path, e.g. examples/report/valid/design.json.
	Path string
	// Valid reports whether the document passed validation.
	Valid bool
	// Want is whether it should pass: true under valid/, false under invalid/.
	Want bool
	// Err is the validation error when Valid is false.
	Err error
}

// OK reports whether the example behaved as its directory says it should.
func (r ExampleResult) OK() bool { return r.Valid == r.Want }

// CheckExamples validates every embedded example,
// examples/<jobtype>/{valid,invalid}/*.json, and returns one result per file
// in path order. Files under valid/ must pass and files under invalid/ must
// fail; callers compare with ExampleResult.OK. The error is for a broken
// example set (a misplaced file, an unknown job type, a file that is not JSON
// or no examples at all), not for examples that misbehave.
func (v *Validator) CheckExamples() ([]ExampleResult, error) {
	var results []ExampleResult
	err := fs.WalkDir(files, "examples", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".json" {
			return nil
		}
		parts := strings.Split(p, "/")
		if len(parts) != 4 || (parts[2] != "valid" && parts[2] != "invalid") {
			return fmt.Errorf("example %s: want examples/<jobtype>/{valid,invalid}/<name>.json", p)
		}
		jobType := parts[1]
		if !slices.Contains(jobTypes, jobType) && !slices.Contains(documents, jobType) {
			return fmt.Errorf("example %s: %w %q", p, ErrUnknownJobType, jobType)
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read example %s: %w", p, err)
		}
		verr := v.Validate(jobType, data)
		if errors.Is(verr, ErrInvalidJSON) {
			return fmt.Errorf("example %s: %w", p, verr)
		}
		results = append(results, ExampleResult{Path: p, Valid: verr == nil, Want: parts[2] == "valid", Err: verr})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check examples: %w", err)
	}
	if len(results) == 0 {
		return nil, errors.New("check examples: no examples embedded")
	}
	return results, nil
}

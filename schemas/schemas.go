// Package schemas holds the JSON Schemas that every job type's task_params must
// satisfy, embedded in the binary and compiled once at boot.
//
// One file per job type and version, <jobtype>.v<N>.json (draft 2020-12, $id
// https://vigil.dev/schemas/<file>), plus common.v1.json with shared
// definitions. A task_params document may carry an integer "version" (absent
// means 1) that selects the schema. Validation failures come back as a
// *ValidationError listing every violation as a JSON pointer and a plain-English
// message, so the API and the CLI can show them as they are.
//
// The package is pure: it does no I/O beyond its embedded files and must not
// import pgx, River, huma, Telegram or any other package of this module.
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// BaseURL prefixes every schema's $id; a schema file name appended to it gives
// the file's $id.
const BaseURL = "https://vigil.dev/schemas/"

// ErrUnknownJobType is returned (wrapped) when a job type has no schema.
var ErrUnknownJobType = errors.New("unknown job type")

// ErrInvalidJSON is returned (wrapped, with the decoder's error) when
// task_params is not a single well-formed JSON document.
var ErrInvalidJSON = errors.New("invalid JSON")

//go:embed *.json examples
var files embed.FS

// jobTypes lists every job type that must have a schema, in the order of the
// design's JobType enum.
var jobTypes = []string{"report", "screener", "alert", "notification", "data_processing", "backup"}

// commonName is the file-name prefix of shared definitions, which is not a job type.
const commonName = "common"

var schemaFileRE = regexp.MustCompile(`^((?:strategy\.)?[a-z_]+)\.v([1-9][0-9]{0,3})\.json$`)

// TradingBot is the name of the trading bot definition's schema
// (tradingbot.v<N>.json): a document that is not a job type's task_params,
// validated with Validate(TradingBot, file) like one.
const TradingBot = "tradingbot"

// Actions is the name of the trading-bot actions schema (actions.v<N>.json):
// a document that is not a job type's task_params, shared by inbound
// webhooks, alerts and screeners, validated with Validate(Actions, doc).
const Actions = "actions"

// documents are the schemas that are neither job types nor strategies.
var documents = []string{TradingBot, Actions}

// StrategyPrefix starts the job-type name of a trading strategy's parameter
// schema: strategy.<name>.v<N>.json is validated as job type "strategy.<name>".
const StrategyPrefix = "strategy."

// JobTypes returns the job types that have schemas, in a stable order.
func JobTypes() []string {
	return slices.Clone(jobTypes)
}

// Validator validates task_params documents against the embedded schemas.
// It is immutable after New and safe for concurrent use.
type Validator struct {
	schemas  map[string]map[int]*jsonschema.Schema // job type -> version -> schema
	versions map[string][]int                      // job type -> sorted versions
	docs     map[string]any                        // $id -> decoded schema document, for messages
}

// New compiles every embedded schema once. An error means a schema file is
// malformed, misnamed or missing, and the caller should abort boot.
func New() (*Validator, error) {
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, fmt.Errorf("list embedded schemas: %w", err)
	}

	v := &Validator{
		schemas:  make(map[string]map[int]*jsonschema.Schema),
		versions: make(map[string][]int),
		docs:     make(map[string]any),
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)

	type entry struct {
		jobType string
		version int
		id      string
	}
	var toCompile []entry
	for _, name := range names {
		m := schemaFileRE.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("schema file %s: name must be <jobtype>.v<N>.json", name)
		}
		jobType := m[1]
		version, _ := strconv.Atoi(m[2]) // the pattern guarantees 1..9999
		if jobType != commonName && !strings.HasPrefix(jobType, StrategyPrefix) && !slices.Contains(jobTypes, jobType) &&
			!slices.Contains(documents, jobType) {
			return nil, fmt.Errorf("schema file %s: %w %q", name, ErrUnknownJobType, jobType)
		}

		data, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read schema %s: %w", name, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("parse schema %s: %w", name, err)
		}
		id := BaseURL + name
		obj, ok := doc.(map[string]any)
		if !ok || obj["$id"] != id {
			return nil, fmt.Errorf("schema %s: $id must be %q", name, id)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("add schema %s: %w", name, err)
		}
		v.docs[id] = doc
		if jobType != commonName {
			toCompile = append(toCompile, entry{jobType, version, id})
		}
	}

	for _, e := range toCompile {
		sch, err := c.Compile(e.id)
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", e.id, err)
		}
		if v.schemas[e.jobType] == nil {
			v.schemas[e.jobType] = make(map[int]*jsonschema.Schema)
		}
		v.schemas[e.jobType][e.version] = sch
		v.versions[e.jobType] = append(v.versions[e.jobType], e.version)
	}
	for _, jt := range jobTypes {
		if len(v.versions[jt]) == 0 {
			return nil, fmt.Errorf("job type %s has no schema file", jt)
		}
		slices.Sort(v.versions[jt])
	}
	return v, nil
}

// Versions returns the schema versions available for jobType in ascending
// order, or nil for an unknown job type.
func (v *Validator) Versions(jobType string) []int {
	return slices.Clone(v.versions[jobType])
}

// Validate checks params, a task_params JSON document, against the schema for
// jobType and the document's "version" (1 when absent). It returns nil, a
// *ValidationError listing every violation, an error wrapping
// ErrUnknownJobType, or an error wrapping ErrInvalidJSON.
func (v *Validator) Validate(jobType string, params []byte) error {
	if _, ok := v.schemas[jobType]; !ok {
		return fmt.Errorf("validate task_params: %w %q", ErrUnknownJobType, jobType)
	}
	doc, err := decode(params)
	if err != nil {
		return fmt.Errorf("%s task_params: %w: %w", jobType, ErrInvalidJSON, err)
	}
	return v.validateDoc(jobType, doc)
}

// ValidateValue is Validate for an already-decoded value such as a
// map[string]any or a struct with JSON tags. The value is encoded to JSON
// first, so it is judged exactly as the stored document would be.
// A []byte or json.RawMessage is treated as the JSON text itself.
func (v *Validator) ValidateValue(jobType string, params any) error {
	switch p := params.(type) {
	case []byte:
		return v.Validate(jobType, p)
	case json.RawMessage:
		return v.Validate(jobType, p)
	}
	if _, ok := v.schemas[jobType]; !ok {
		return fmt.Errorf("validate task_params: %w %q", ErrUnknownJobType, jobType)
	}
	data, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("%s task_params: encode value: %w: %w", jobType, ErrInvalidJSON, err)
	}
	return v.Validate(jobType, data)
}

func (v *Validator) validateDoc(jobType string, doc any) error {
	version, text, problem := versionOf(doc)
	if problem == nil {
		if _, ok := v.schemas[jobType][version]; !ok {
			problem = &Problem{
				Pointer: "/version",
				Message: fmt.Sprintf("unsupported version %s; supported versions: %s", text, joinInts(v.versions[jobType])),
			}
		}
	}
	if problem != nil {
		return &ValidationError{JobType: jobType, Version: version, Problems: []Problem{*problem}}
	}

	err := v.schemas[jobType][version].Validate(doc)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("%s task_params v%d: %w", jobType, version, err)
	}
	return &ValidationError{JobType: jobType, Version: version, Problems: v.problems(verr)}
}

// decode parses exactly one JSON document, keeping numbers as json.Number so
// that large integers are judged exactly.
func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty document")
		}
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the document at offset %d", dec.InputOffset())
	}
	return doc, nil
}

// versionOf reads the optional top-level "version" and returns it with its
// literal text. A non-object document is version 1, left for the schema to
// reject. A version outside the int32 range comes back as 0, which no schema
// has.
func versionOf(doc any) (int, string, *Problem) {
	obj, ok := doc.(map[string]any)
	if !ok {
		return 1, "1", nil
	}
	raw, ok := obj["version"]
	if !ok {
		return 1, "1", nil
	}
	notInt := &Problem{Pointer: "/version", Message: "must be an integer"}
	n, ok := raw.(json.Number)
	if !ok {
		return 0, "", notInt
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, "", notInt
	}
	if f != math.Trunc(f) {
		return 0, "", notInt
	}
	if f < math.MinInt32 || f > math.MaxInt32 {
		return 0, n.String(), nil
	}
	return int(f), n.String(), nil
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// File returns the embedded schema file name (such as "common.v1.json"),
// for tests elsewhere that keep lists in step with the schemas.
func File(name string) ([]byte, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schema file %s: %w", name, err)
	}
	return b, nil
}

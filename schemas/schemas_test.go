package schemas

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

type testBundle struct {
	v *Validator
}

func setup(t testing.TB) *testBundle {
	t.Helper()
	v, err := New()
	require.NoError(t, err)
	return &testBundle{v: v}
}

// requireProblems asserts err is a *ValidationError for jobType with exactly
// the given problems, and that its messages carry none of the library's
// internal phrasing.
func requireProblems(t *testing.T, err error, jobType string, want ...Problem) *ValidationError {
	t.Helper()
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)
	require.Equal(t, jobType, verr.JobType)
	require.Equal(t, want, verr.Problems)
	for _, noise := range []string{"jsonschema", "validation failed", "'oneOf'", "want ", "got [", "map["} {
		require.NotContains(t, verr.Error(), noise)
	}
	return verr
}

func TestNew(t *testing.T) {
	t.Parallel()
	b := setup(t)

	require.ElementsMatch(t, []string{"alert", "screener", "report", "notification", "data_processing", "backup"}, JobTypes())
	for _, jt := range JobTypes() {
		require.Equal(t, []int{1}, b.v.Versions(jt), jt)
	}
	require.Nil(t, b.v.Versions("common"))
	require.Nil(t, b.v.Versions("nope"))
}

func TestExamples(t *testing.T) {
	t.Parallel()
	b := setup(t)

	results, err := b.v.CheckExamples()
	require.NoError(t, err)

	type counts struct{ valid, invalid int }
	seen := map[string]*counts{}
	for _, r := range results {
		jt := strings.Split(r.Path, "/")[1]
		if seen[jt] == nil {
			seen[jt] = &counts{}
		}
		if r.Want {
			seen[jt].valid++
			require.NoError(t, r.Err, r.Path)
		} else {
			seen[jt].invalid++
			require.Error(t, r.Err, r.Path)
			var verr *ValidationError
			require.ErrorAs(t, r.Err, &verr, r.Path)
			require.NotEmpty(t, verr.Problems, r.Path)
		}
		require.True(t, r.OK(), "%s: valid=%v want=%v err=%v", r.Path, r.Valid, r.Want, r.Err)
	}
	for _, jt := range JobTypes() {
		require.NotNil(t, seen[jt], jt)
		require.Positive(t, seen[jt].valid, "%s has no valid examples", jt)
		require.Positive(t, seen[jt].invalid, "%s has no invalid examples", jt)
	}
}

// The design document's own task_params examples are the contract.
func TestDesignExamples(t *testing.T) {
	t.Parallel()
	b := setup(t)

	for _, path := range []string{
		"examples/report/valid/design.json",
		"examples/screener/valid/design.json",
		"examples/alert/valid/design_short.json",
		"examples/alert/valid/design_full.json",
		"examples/data_processing/valid/design.json",
		"examples/notification/valid/design.json",
	} {
		data, err := files.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, b.v.Validate(strings.Split(path, "/")[1], data), path)
	}
}

func TestValidate_ListsEveryProblem(t *testing.T) {
	t.Parallel()
	b := setup(t)

	t.Run("Report", func(t *testing.T) {
		t.Parallel()
		err := b.v.Validate("report", []byte(`{
			"report_type": "weekly",
			"parameters": {"symbols": ["AAPL", "msft"], "timeframe": "2d"}
		}`))
		verr := requireProblems(t, err, "report",
			Problem{"/parameters/symbols/1", "must be an uppercase ticker of 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC)"},
			Problem{"/parameters/timeframe", "must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"},
			Problem{"/report_type", "must be one of daily_summary, portfolio_analysis, performance_report"},
		)
		require.Equal(t, 1, verr.Version)
		require.Equal(t, "report task_params: "+
			"/parameters/symbols/1: must be an uppercase ticker of 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC); "+
			"/parameters/timeframe: must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w; "+
			"/report_type: must be one of daily_summary, portfolio_analysis, performance_report", verr.Error())
	})

	t.Run("Screener", func(t *testing.T) {
		t.Parallel()
		err := b.v.Validate("screener", []byte(`{
			"screener_set": "sp500",
			"filter_criteria": {"min_market_cap": -5, "max_pe_ratio": 0, "min_volum": 10},
			"top_n": 501
		}`))
		requireProblems(t, err, "screener",
			Problem{"/filter_criteria/max_pe_ratio", "must be > 0"},
			Problem{"/filter_criteria/min_market_cap", "must be >= 0"},
			Problem{"/filter_criteria/min_volum", `unknown property "min_volum" (did you mean "min_volume"?)`},
			Problem{"/top_n", "must be <= 500"},
		)
	})

	// A oneOf with no matching alternative reports the leaves of the
	// alternative the document most resembles, not both alternatives.
	t.Run("AlertFullFormThroughOneOf", func(t *testing.T) {
		t.Parallel()
		err := b.v.Validate("alert", []byte(`{
			"ticker": "AAPL",
			"timeframe": "2h",
			"rule": {"operator": "and", "conditions": []},
			"rearm": {"type": "cooldown"}
		}`))
		requireProblems(t, err, "alert",
			Problem{"/rearm/cooldown", `missing required property "cooldown"`},
			Problem{"/rule/conditions", "must have at least 1 item"},
			Problem{"/timeframe", "must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"},
		)
	})

	t.Run("AlertShortForm", func(t *testing.T) {
		t.Parallel()
		err := b.v.Validate("alert", []byte(`{"symbol": "AAPL", "condition": "rsi_oversold", "threshold": 101, "notification_channels": ["sms"]}`))
		requireProblems(t, err, "alert",
			Problem{"/notification_channels/0", "must be one of telegram, email, webhook, log"},
			Problem{"/threshold", "must be <= 100"},
		)
	})

	t.Run("MissingRequired", func(t *testing.T) {
		t.Parallel()
		err := b.v.Validate("data_processing", []byte(`{}`))
		requireProblems(t, err, "data_processing",
			Problem{"/data_source", `missing required property "data_source"`},
			Problem{"/operations", `missing required property "operations"`},
			Problem{"/symbols", `missing required property "symbols"`},
		)
	})

	t.Run("RootType", func(t *testing.T) {
		t.Parallel()
		err := b.v.Validate("notification", []byte(`[1, 2]`))
		verr := requireProblems(t, err, "notification", Problem{"", "must be an object, got array"})
		require.Equal(t, "notification task_params: must be an object, got array", verr.Error())
	})

	t.Run("ArrayIndexesSortNumerically", func(t *testing.T) {
		t.Parallel()
		symbols := make([]string, 12)
		for i := range symbols {
			symbols[i] = "AAPL" + strings.Repeat("X", i)
		}
		symbols[2], symbols[10] = "bad", "worse"
		err := b.v.ValidateValue("data_processing", map[string]any{
			"data_source": "yahoo", "symbols": symbols, "operations": []string{"fetch"},
		})
		var verr *ValidationError
		require.ErrorAs(t, err, &verr)
		require.Len(t, verr.Problems, 2)
		require.Equal(t, "/symbols/2", verr.Problems[0].Pointer)
		require.Equal(t, "/symbols/10", verr.Problems[1].Pointer)
	})

	t.Run("PointerEscaping", func(t *testing.T) {
		t.Parallel()
		err := b.v.Validate("backup", []byte(`{"a/b~c": 1}`))
		requireProblems(t, err, "backup",
			Problem{"/a~1b~0c", `unknown property "a/b~c" (allowed: directory, format, retention, tables, version)`},
		)
	})
}

func TestValidate_Version(t *testing.T) {
	t.Parallel()
	b := setup(t)

	require.NoError(t, b.v.Validate("report", []byte(`{"version": 1, "report_type": "daily_summary"}`)))
	require.NoError(t, b.v.Validate("report", []byte(`{"report_type": "daily_summary"}`)))

	for _, tt := range []struct {
		name, doc string
		version   int
		want      Problem
	}{
		{"Unknown", `{"version": 2, "report_type": "daily_summary"}`, 2, Problem{"/version", "unsupported version 2; supported versions: 1"}},
		{"Zero", `{"version": 0}`, 0, Problem{"/version", "unsupported version 0; supported versions: 1"}},
		{"Huge", `{"version": 1e40}`, 0, Problem{"/version", "unsupported version 1e40; supported versions: 1"}},
		{"String", `{"version": "1", "report_type": "daily_summary"}`, 0, Problem{"/version", "must be an integer"}},
		{"Fraction", `{"version": 1.5}`, 0, Problem{"/version", "must be an integer"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			verr := requireProblems(t, b.v.Validate("report", []byte(tt.doc)), "report", tt.want)
			require.Equal(t, tt.version, verr.Version)
		})
	}
}

func TestValidate_UnknownJobType(t *testing.T) {
	t.Parallel()
	b := setup(t)

	err := b.v.Validate("reprot", []byte(`{}`))
	require.ErrorIs(t, err, ErrUnknownJobType)
	require.Contains(t, err.Error(), `"reprot"`)

	require.ErrorIs(t, b.v.ValidateValue("common", map[string]any{}), ErrUnknownJobType)
	require.ErrorIs(t, b.v.ValidateValue("", []byte(`{}`)), ErrUnknownJobType)
}

func TestValidate_InvalidJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)

	for _, doc := range []string{``, `{`, `{"report_type": }`, `{} {}`, `{"a": 1} x`} {
		err := b.v.Validate("report", []byte(doc))
		require.ErrorIs(t, err, ErrInvalidJSON, doc)
		require.True(t, strings.HasPrefix(err.Error(), "report task_params: invalid JSON: "), err.Error())
		var verr *ValidationError
		require.False(t, errors.As(err, &verr))
	}
}

func TestValidateValue(t *testing.T) {
	t.Parallel()
	b := setup(t)

	t.Run("Map", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, b.v.ValidateValue("notification", map[string]any{
			"user_id": 7, "message": "hello", "priority": "high", "channels": []string{"telegram"},
		}))
		requireProblems(t, b.v.ValidateValue("notification", map[string]any{"user_id": 7.5, "message": "hello"}),
			"notification", Problem{"/user_id", "must be an integer, got number"})
	})

	t.Run("Struct", func(t *testing.T) {
		t.Parallel()
		type params struct {
			DataSource string   `json:"data_source"`
			Symbols    []string `json:"symbols"`
			Operations []string `json:"operations"`
		}
		require.NoError(t, b.v.ValidateValue("data_processing", params{"yahoo", []string{"AAPL"}, []string{"fetch"}}))
		requireProblems(t, b.v.ValidateValue("data_processing", params{"yahoo", nil, []string{"fetch"}}),
			"data_processing", Problem{"/symbols", "must be an array, got null"})
	})

	t.Run("RawJSON", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, b.v.ValidateValue("backup", json.RawMessage(`{"retention": 3}`)))
		require.NoError(t, b.v.ValidateValue("backup", []byte(`{}`)))
	})

	t.Run("Unencodable", func(t *testing.T) {
		t.Parallel()
		require.ErrorIs(t, b.v.ValidateValue("backup", map[string]any{"retention": math.NaN()}), ErrInvalidJSON)
	})
}

func TestValidator_Concurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)

	good, err := files.ReadFile("examples/alert/valid/design_full.json")
	require.NoError(t, err)
	bad, err := files.ReadFile("examples/screener/invalid/top_n_zero.json")
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 16 {
		wg.Go(func() {
			for range 20 {
				if err := b.v.Validate("alert", good); err != nil {
					errs <- err
				}
				if err := b.v.Validate("screener", bad); err == nil {
					errs <- errors.New("invalid screener passed")
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()

	allowed := []string{"include_charts", "symbols", "timeframe"}
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{
		{"timefrme", "timeframe", true},
		{"Symbols", "symbols", true},
		{"symbol", "symbols", true},
		{"foo", "", false},
		{"tf", "", false},
	} {
		got, ok := suggest(tt.name, allowed)
		require.Equal(t, tt.ok, ok, tt.name)
		if ok {
			require.Equal(t, tt.want, got, tt.name)
		}
	}
}

func FuzzValidate(f *testing.F) {
	results, err := setup(f).v.CheckExamples()
	require.NoError(f, err)
	for i, r := range results {
		data, err := files.ReadFile(r.Path)
		require.NoError(f, err)
		f.Add(uint8(i), data)
	}
	for _, s := range []string{``, `null`, `[]`, `{"version":-1}`, `{"version":99999999999999999999}`, `{"rule":{"operator":"and","conditions":[{"conditions":[{}]}]}}`, "\xff", `{"a":`} {
		f.Add(uint8(2), []byte(s))
	}

	v := setup(f).v
	jobTypes := JobTypes()
	f.Fuzz(func(t *testing.T, pick uint8, data []byte) {
		jobType := jobTypes[int(pick)%len(jobTypes)]
		err := v.Validate(jobType, data)
		if err == nil {
			return
		}
		var verr *ValidationError
		switch {
		case errors.As(err, &verr):
			if len(verr.Problems) == 0 {
				t.Fatalf("ValidationError without problems: %v", err)
			}
			for _, p := range verr.Problems {
				if p.Message == "" || (p.Pointer != "" && p.Pointer[0] != '/') {
					t.Fatalf("malformed problem %+v", p)
				}
			}
			// Same input, same report: sorting and alternative choice are deterministic.
			if again := v.Validate(jobType, data); again.Error() != err.Error() {
				t.Fatalf("nondeterministic:\n%v\n%v", err, again)
			}
		case errors.Is(err, ErrInvalidJSON):
			if !strings.HasPrefix(err.Error(), jobType+" task_params: invalid JSON") {
				t.Fatalf("JSON error without context: %v", err)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	v := setup(b).v
	for _, path := range []string{
		"examples/report/valid/design.json",
		"examples/alert/valid/design_full.json",
		"examples/alert/invalid/full_typo_key.json",
		"examples/screener/invalid/top_n_zero.json",
	} {
		data, err := files.ReadFile(path)
		require.NoError(b, err)
		jobType := strings.Split(path, "/")[1]
		b.Run(strings.TrimSuffix(strings.TrimPrefix(path, "examples/"), ".json"), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_ = v.Validate(jobType, data)
			}
		})
	}
}

func BenchmarkValidateValue(b *testing.B) {
	v := setup(b).v
	params := map[string]any{
		"data_source": "yahoo",
		"symbols":     []any{"AAPL", "MSFT", "GOOGL"},
		"operations":  []any{"fetch", "normalize", "cache", "indicators"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateValue("data_processing", params); err != nil {
			b.Fatal(err)
		}
	}
}

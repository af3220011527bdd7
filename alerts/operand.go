package alerts

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/indicators"
)

// Bar fields usable as operands and as an indicator's source. "price" is
// accepted as an alias of close.
const (
	FieldOpen   = "open"
	FieldHigh   = "high"
	FieldLow    = "low"
	FieldClose  = "close"
	FieldVolume = "volume"
)

var fieldNames = []string{FieldOpen, FieldHigh, FieldLow, FieldClose, FieldVolume}

// Operand is one side of a condition: a constant, a bar field or an
// indicator with its parameters. Parse fills every default, so two operands
// that compute the same series are equal.
type Operand struct {
	// Indicator is a bar field (open, high, low, close, volume) or an
	// indicator name (see Indicators); empty for a constant.
	Indicator string
	// Output picks one series of a multi-output indicator: macd line,
	// signal or histogram; bollinger upper, middle, lower, percent_b or
	// width; stoch k or d. Empty for single-output indicators.
	Output string
	// Source is the bar field an indicator is computed on (close for most,
	// high for highest, low for lowest). Empty where it does not apply.
	Source string
	// Period is the window of single-period indicators.
	Period int
	// Fast, Slow and Signal are macd's periods.
	Fast, Slow, Signal int
	// StdDev is bollinger's band width in standard deviations.
	StdDev float64
	// KPeriod, KSmooth and DPeriod are stoch's periods.
	KPeriod, KSmooth, DPeriod int
	// Offset reads the operand that many bars back: 1 is the previous bar.
	Offset int
	// Value is a constant operand's value.
	Value float64
}

// Const returns a constant operand.
func Const(v float64) *Operand { return &Operand{Value: v} }

// IsConst reports whether o is a constant.
func (o *Operand) IsConst() bool { return o.Indicator == "" }

// Label names the operand for people and for Evaluation.Details: "close",
// "rsi(14)", "sma(open,50)", "macd(12,26,9).signal", "bollinger(20,2).lower",
// "close[1]" (one bar back), or the constant's value.
func (o *Operand) Label() string {
	if o == nil {
		return "?"
	}
	if o.IsConst() {
		return formatConst(o.Value)
	}
	spec, ok := specs[o.Indicator]
	if !ok {
		return o.Indicator
	}
	s := o.Indicator
	if args := spec.args(o); len(args) > 0 {
		if slices.Contains(spec.params, paramSource) && o.Source != spec.source {
			args = append([]string{o.Source}, args...)
		}
		s += "(" + strings.Join(args, ",") + ")"
	}
	if o.Output != "" && (spec.outputRequired || o.Output != spec.outputs[0]) {
		s += "." + o.Output
	}
	if o.Offset > 0 {
		s += "[" + strconv.Itoa(o.Offset) + "]"
	}
	return s
}

// MarshalJSON writes a constant as a number and anything else as the
// operand object Parse reads.
func (o Operand) MarshalJSON() ([]byte, error) {
	if o.IsConst() {
		return json.Marshal(o.Value)
	}
	return json.Marshal(o.fields())
}

// fields returns the operand's JSON keys with every parameter spelled out.
func (o *Operand) fields() map[string]any {
	m := map[string]any{"indicator": o.Indicator}
	spec, ok := specs[o.Indicator]
	if !ok {
		return m
	}
	for _, p := range spec.params {
		switch p {
		case paramPeriod:
			m[p] = o.Period
		case paramFast:
			m[p] = o.Fast
		case paramSlow:
			m[p] = o.Slow
		case paramSignal:
			m[p] = o.Signal
		case paramStdDev:
			m[p] = o.StdDev
		case paramKPeriod:
			m[p] = o.KPeriod
		case paramKSmooth:
			m[p] = o.KSmooth
		case paramDPeriod:
			m[p] = o.DPeriod
		case paramSource:
			m[p] = o.Source
		}
	}
	if len(spec.outputs) > 0 {
		m["output"] = o.Output
	}
	if o.Offset > 0 {
		m[paramOffset] = o.Offset
	}
	return m
}

// Parameter names, in JSON either beside "indicator" or under "params".
const (
	paramPeriod  = "period"
	paramFast    = "fast"
	paramSlow    = "slow"
	paramSignal  = "signal"
	paramStdDev  = "stddev"
	paramKPeriod = "k_period"
	paramKSmooth = "k_smooth"
	paramDPeriod = "d_period"
	paramSource  = "source"
	paramOffset  = "offset"
)

// paramNames lists every parameter name, offset last.
var paramNames = []string{paramPeriod, paramFast, paramSlow, paramSignal, paramStdDev,
	paramKPeriod, paramKSmooth, paramDPeriod, paramSource, paramOffset}

// Limits on parameters; they bound Lookback.
const (
	maxPeriod = 1000
	maxOffset = 1000
	maxStdDev = 10
)

// spec describes one indicator.
type spec struct {
	params         []string // accepted parameters besides offset
	defaults       Operand  // default parameter values
	source         string   // default source, when params holds source
	outputs        []string // outputs, default first; nil for one output
	outputRequired bool
	// warmup is the number of leading NaNs on clean input, offset excluded.
	warmup func(o *Operand) int
	// margin is extra history a recursive indicator wants for its seed to
	// decay; 0 for windowed ones.
	margin func(o *Operand) int
	// args renders the parameters for Label.
	args func(o *Operand) []string
	// compute returns the indicator series (before offset).
	compute func(c *calc, o *Operand) ([]float64, error)
}

func zero(*Operand) int { return 0 }

func periodArgs(o *Operand) []string { return []string{strconv.Itoa(o.Period)} }

// periodSpec is a single-period indicator on a source series.
func periodSpec(period int, source string, warmup func(n int) int, margin func(n int) int,
	f func(x []float64, n int) ([]float64, error)) spec {
	params := []string{paramPeriod}
	if source != "" {
		params = append(params, paramSource)
	}
	return spec{
		params:   params,
		defaults: Operand{Period: period, Source: source},
		source:   source,
		warmup:   func(o *Operand) int { return warmup(o.Period) },
		margin:   func(o *Operand) int { return margin(o.Period) },
		args:     periodArgs,
		compute: func(c *calc, o *Operand) ([]float64, error) {
			src := o.Source
			if src == "" {
				src = FieldVolume
			}
			return f(c.field(src), o.Period)
		},
	}
}

func minus1(n int) int { return n - 1 }
func same(n int) int   { return n }
func none(int) int     { return 0 }
func times(k int) func(int) int {
	return func(n int) int { return k * n }
}

// specs holds every operand name Parse accepts besides the "price" alias.
var specs = map[string]spec{
	FieldOpen:   fieldSpec(FieldOpen),
	FieldHigh:   fieldSpec(FieldHigh),
	FieldLow:    fieldSpec(FieldLow),
	FieldClose:  fieldSpec(FieldClose),
	FieldVolume: fieldSpec(FieldVolume),

	"sma": periodSpec(20, FieldClose, minus1, none, indicators.SMA),
	// EMA's seed decays by (n-1)/(n+1) a bar: 3n bars leave about e^-6.
	"ema": periodSpec(20, FieldClose, minus1, times(3), indicators.EMA),
	"wma": periodSpec(20, FieldClose, minus1, none, indicators.WMA),
	// Wilder smoothing decays by (n-1)/n a bar: 5n bars leave about e^-5.
	"rsi":                periodSpec(14, FieldClose, same, times(5), indicators.RSI),
	"roc":                periodSpec(10, FieldClose, same, none, indicators.ROC),
	"highest":            periodSpec(20, FieldHigh, minus1, none, indicators.Highest),
	"lowest":             periodSpec(20, FieldLow, minus1, none, indicators.Lowest),
	"volume_avg":         periodSpec(20, "", minus1, none, indicators.VolumeAverage),
	"volume_spike_ratio": periodSpec(20, "", same, none, indicators.VolumeSpikeRatio),
	"atr": {
		params:   []string{paramPeriod},
		defaults: Operand{Period: 14},
		warmup:   func(o *Operand) int { return o.Period },
		margin:   func(o *Operand) int { return 5 * o.Period },
		args:     periodArgs,
		compute: func(c *calc, o *Operand) ([]float64, error) {
			return indicators.ATR(c.field(FieldHigh), c.field(FieldLow), c.field(FieldClose), o.Period)
		},
	},
	"vwap": {
		params:   []string{paramPeriod},
		defaults: Operand{Period: 20},
		warmup:   func(o *Operand) int { return o.Period - 1 },
		margin:   zero,
		args:     periodArgs,
		compute: func(c *calc, o *Operand) ([]float64, error) {
			return indicators.RollingVWAP(c.field(FieldHigh), c.field(FieldLow), c.field(FieldClose), c.field(FieldVolume), o.Period)
		},
	},
	"macd": {
		params:   []string{paramFast, paramSlow, paramSignal, paramSource},
		defaults: Operand{Fast: 12, Slow: 26, Signal: 9, Source: FieldClose},
		source:   FieldClose,
		outputs:  []string{"line", "signal", "histogram"},
		warmup: func(o *Operand) int {
			if o.Output == "line" {
				return o.Slow - 1
			}
			return o.Slow + o.Signal - 2
		},
		margin: func(o *Operand) int { return 3 * (o.Slow + o.Signal) },
		args: func(o *Operand) []string {
			return []string{strconv.Itoa(o.Fast), strconv.Itoa(o.Slow), strconv.Itoa(o.Signal)}
		},
		compute: func(c *calc, o *Operand) ([]float64, error) {
			r, err := indicators.MACD(c.field(o.Source), o.Fast, o.Slow, o.Signal)
			switch o.Output {
			case "signal":
				return r.Signal, err
			case "histogram":
				return r.Histogram, err
			}
			return r.Line, err
		},
	},
	"bollinger": {
		params:         []string{paramPeriod, paramStdDev, paramSource},
		defaults:       Operand{Period: 20, StdDev: 2, Source: FieldClose},
		source:         FieldClose,
		outputs:        []string{"upper", "middle", "lower", "percent_b", "width"},
		outputRequired: true,
		warmup:         func(o *Operand) int { return o.Period - 1 },
		margin:         zero,
		args: func(o *Operand) []string {
			return []string{strconv.Itoa(o.Period), formatConst(o.StdDev)}
		},
		compute: func(c *calc, o *Operand) ([]float64, error) {
			r, err := indicators.Bollinger(c.field(o.Source), o.Period, o.StdDev)
			switch o.Output {
			case "upper":
				return r.Upper, err
			case "lower":
				return r.Lower, err
			case "percent_b":
				return r.PercentB, err
			case "width":
				return r.Width, err
			}
			return r.Middle, err
		},
	},
	"stoch": {
		params:   []string{paramKPeriod, paramKSmooth, paramDPeriod},
		defaults: Operand{KPeriod: 14, KSmooth: 3, DPeriod: 3},
		outputs:  []string{"k", "d"},
		warmup: func(o *Operand) int {
			if o.Output == "d" {
				return o.KPeriod + o.KSmooth + o.DPeriod - 3
			}
			return o.KPeriod + o.KSmooth - 2
		},
		margin: zero,
		args: func(o *Operand) []string {
			return []string{strconv.Itoa(o.KPeriod), strconv.Itoa(o.KSmooth), strconv.Itoa(o.DPeriod)}
		},
		compute: func(c *calc, o *Operand) ([]float64, error) {
			r, err := indicators.Stochastic(c.field(FieldHigh), c.field(FieldLow), c.field(FieldClose), o.KPeriod, o.KSmooth, o.DPeriod)
			if o.Output == "d" {
				return r.D, err
			}
			return r.K, err
		},
	},
}

// fieldSpec is a raw bar field.
func fieldSpec(name string) spec {
	return spec{
		warmup: zero,
		margin: zero,
		args:   func(*Operand) []string { return nil },
		compute: func(c *calc, _ *Operand) ([]float64, error) {
			return c.field(name), nil
		},
	}
}

// Indicators returns the operand names Parse accepts, sorted: the bar fields,
// "price" (an alias of close) and the indicators.
func Indicators() []string {
	names := []string{"price"}
	for name := range specs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// need is the number of bars for o to have a value on the latest bar.
func (o *Operand) need() int {
	if o == nil || o.IsConst() {
		return 0
	}
	spec, ok := specs[o.Indicator]
	if !ok {
		return 0
	}
	return spec.warmup(o) + o.Offset + 1
}

// margin is the extra history o wants for a converged value.
func (o *Operand) margin() int {
	if o == nil || o.IsConst() {
		return 0
	}
	spec, ok := specs[o.Indicator]
	if !ok {
		return 0
	}
	return spec.margin(o)
}

// calc computes operand series over one bar series, caching each series:
// by operand value (offset aside), so that two operands computing the same
// series share it, and by operand pointer, so that the bar-by-bar loop of
// Backtest finds a rule's operand with one cheap lookup.
type calc struct {
	series bars.Series
	fields map[string][]float64
	cache  map[Operand][]float64
	byPtr  map[*Operand][]float64
}

func newCalc(series bars.Series) *calc {
	return &calc{series: series, fields: map[string][]float64{}, cache: map[Operand][]float64{}, byPtr: map[*Operand][]float64{}}
}

// field returns a bar field's values.
func (c *calc) field(name string) []float64 {
	if v, ok := c.fields[name]; ok {
		return v
	}
	var v []float64
	switch name {
	case FieldOpen:
		v = c.series.Opens()
	case FieldHigh:
		v = c.series.Highs()
	case FieldLow:
		v = c.series.Lows()
	case FieldVolume:
		v = c.series.Volumes()
	default:
		v = c.series.Closes()
	}
	c.fields[name] = v
	return v
}

// at returns o's value on bar i, NaN when it has none (warm-up, missing
// data, or before the first bar). Non-finite values come back as NaN.
func (c *calc) at(o *Operand, i int) (float64, error) {
	if o.IsConst() {
		return o.Value, nil
	}
	values, ok := c.byPtr[o]
	if !ok {
		var err error
		if values, err = c.compute(o); err != nil {
			return math.NaN(), err
		}
		c.byPtr[o] = values
	}
	j := i - o.Offset
	if j < 0 || j >= len(values) || math.IsNaN(values[j]) || math.IsInf(values[j], 0) {
		return math.NaN(), nil
	}
	return values[j], nil
}

// compute returns o's series before its offset, computed once per distinct
// operand.
func (c *calc) compute(o *Operand) ([]float64, error) {
	key := *o
	key.Offset = 0
	values, ok := c.cache[key]
	if !ok {
		spec, known := specs[o.Indicator]
		if !known {
			return nil, fmt.Errorf("unknown indicator %q", o.Indicator)
		}
		var err error
		values, err = spec.compute(c, o)
		if err != nil {
			return nil, fmt.Errorf("compute %s: %w", o.Label(), err)
		}
		c.cache[key] = values
	}
	return values, nil
}

// formatConst renders a constant without exponent or trailing zeros: 150,
// 0.02, 1000000.
func formatConst(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

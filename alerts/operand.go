package alerts

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// Offset reads the operand that many bars back: 1 is the previous bar
	// (of the operand's timeframe).
	Offset int
	// Timeframe, when set, is a timeframe longer than the alert's that the
	// operand is computed on: at each bar of the alert, the operand reads
	// the last bar of Timeframe that had closed by then (no look-ahead; see
	// Input.Frames). Empty means the alert's timeframe.
	Timeframe bars.Timeframe
	// Value is a constant operand's value.
	Value float64
}

// Const returns a constant operand.
func Const(v float64) *Operand { return &Operand{Value: v} }

// IsConst reports whether o is a constant.
func (o *Operand) IsConst() bool { return o.Indicator == "" }

// Label names the operand for people and for Evaluation.Details: "close",
// "rsi(14)", "sma(open,50)", "macd(12,26,9).signal", "bollinger(20,2).lower",
// "close[1]" (one bar back), "sma(200,1d)" and "close(1d)" (on daily bars),
// or the constant's value.
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
	args := spec.args(o)
	if len(args) > 0 && slices.Contains(spec.params, paramSource) && o.Source != spec.source {
		args = append([]string{o.Source}, args...)
	}
	if o.Timeframe != "" {
		args = append(args, string(o.Timeframe))
	}
	if len(args) > 0 {
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
	if o.Timeframe != "" {
		m[keyTimeframe] = string(o.Timeframe)
	}
	return m
}

// keyTimeframe is an operand's own timeframe, beside "indicator".
const keyTimeframe = "timeframe"

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

// need is the number of bars of the alert's series for o to have a value on
// the latest bar: one for an operand on another timeframe (its own bars are
// LookbackFor's).
func (o *Operand) need() int {
	if o == nil || o.IsConst() {
		return 0
	}
	if o.Timeframe != "" {
		return 1
	}
	return o.ownNeed()
}

// ownNeed is the number of bars of o's own timeframe for o to have a value
// on the latest one.
func (o *Operand) ownNeed() int {
	spec, ok := specs[o.Indicator]
	if !ok {
		return 0
	}
	return spec.warmup(o) + o.Offset + 1
}

// margin is the extra history of the alert's series o wants for a
// converged value: none for an operand on another timeframe.
func (o *Operand) margin() int {
	if o == nil || o.IsConst() || o.Timeframe != "" {
		return 0
	}
	return o.ownMargin()
}

// ownMargin is the extra history of its own timeframe o wants.
func (o *Operand) ownMargin() int {
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
// Backtest finds a rule's operand with one cheap lookup. Operands on
// another timeframe are computed on that timeframe's bars (frames) by a calc
// of their own, and read through an index from the series' bars to the last
// bar of theirs closed by then.
type calc struct {
	series bars.Series
	tf     bars.Timeframe // series' timeframe
	now    time.Time      // the evaluation time; zero: each bar at its close
	frames map[bars.Timeframe]bars.Series
	fields map[string][]float64
	cache  map[Operand][]float64
	byPtr  map[*Operand]opValues
	other  map[bars.Timeframe]*frame
}

// opValues is an operand's series and, for an operand on another
// timeframe, the index of its bar for each bar of calc.series.
type opValues struct {
	values []float64
	idx    []int32
}

// frame is another timeframe's calc and its index (closedIndex).
type frame struct {
	calc *calc
	idx  []int32
}

func newCalc(series bars.Series) *calc {
	return &calc{series: series, fields: map[string][]float64{}, cache: map[Operand][]float64{}, byPtr: map[*Operand]opValues{}}
}

// frame returns the calc of timeframe tf's bars, built once.
func (c *calc) frame(tf bars.Timeframe) *frame {
	if f, ok := c.other[tf]; ok {
		return f
	}
	if c.other == nil {
		c.other = map[bars.Timeframe]*frame{}
	}
	other := c.frames[tf]
	f := &frame{calc: newCalc(other), idx: closedIndex(c.series, c.tf.Duration(), other, tf.Duration(), c.now)}
	c.other[tf] = f
	return f
}

// closedIndex maps each bar j of series (bars of duration d) to the index
// of the last bar of other (bars of duration od) that had closed by j's
// close, or by now when that is earlier (a bar still open at now), or -1.
// A bar closes at its open time plus its duration. Both series ascend, so
// one pass does it.
func closedIndex(series bars.Series, d time.Duration, other bars.Series, od time.Duration, now time.Time) []int32 {
	idx := make([]int32, len(series))
	k := -1
	for j := range series {
		ref := series[j].Time.Add(d)
		if !now.IsZero() && now.Before(ref) {
			ref = now
		}
		for k+1 < len(other) && !other[k+1].Time.Add(od).After(ref) {
			k++
		}
		idx[j] = int32(k)
	}
	return idx
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
// data, or before the first bar). Non-finite values come back as NaN. For
// an operand on another timeframe, bar i reads that timeframe's last bar
// closed by bar i's close (or by now), and the offset counts its bars.
func (c *calc) at(o *Operand, i int) (float64, error) {
	if o.IsConst() {
		return o.Value, nil
	}
	ov, ok := c.byPtr[o]
	if !ok {
		var err error
		if ov, err = c.valuesOf(o); err != nil {
			return math.NaN(), err
		}
		c.byPtr[o] = ov
	}
	j := i
	if ov.idx != nil {
		if i < 0 || i >= len(ov.idx) {
			return math.NaN(), nil
		}
		j = int(ov.idx[i])
		if j < 0 {
			return math.NaN(), nil
		}
	}
	j -= o.Offset
	values := ov.values
	if j < 0 || j >= len(values) || math.IsNaN(values[j]) || math.IsInf(values[j], 0) {
		return math.NaN(), nil
	}
	return values[j], nil
}

// valuesOf computes o's series, on its own timeframe's bars when it names
// one.
func (c *calc) valuesOf(o *Operand) (opValues, error) {
	if o.Timeframe == "" || o.Timeframe == c.tf {
		values, err := c.compute(o)
		return opValues{values: values}, err
	}
	f := c.frame(o.Timeframe)
	values, err := f.calc.compute(o)
	return opValues{values: values, idx: f.idx}, err
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

package schedule

// GapPolicy says what a wall-clock schedule does with a time that a
// spring-forward transition skips.
type GapPolicy string

// Gap policies.
const (
	// GapShift fires once at the first instant after the gap (the
	// transition itself), e.g. 02:30 fires at 03:00 on a 02:00→03:00 night.
	// It is the default.
	GapShift GapPolicy = "shift"
	// GapSkip does not fire for skipped times.
	GapSkip GapPolicy = "skip"
)

// FoldPolicy says what a wall-clock schedule does with a time that a
// fall-back transition repeats.
type FoldPolicy string

// Fold policies.
const (
	// FoldFirst fires once, at the first (earlier) occurrence. It is the
	// default.
	FoldFirst FoldPolicy = "first"
	// FoldBoth fires at both occurrences.
	FoldBoth FoldPolicy = "both"
)

// Options tune how a wall-clock schedule (fixed hour field) behaves across
// daylight-saving transitions. The zero value means GapShift and FoldFirst.
// Instant schedules (hour field starting with `*`) ignore them.
type Options struct {
	Gap  GapPolicy
	Fold FoldPolicy
}

// normalize fills defaults and rejects unknown values.
func (o Options) normalize() (Options, *Error) {
	switch o.Gap {
	case "":
		o.Gap = GapShift
	case GapShift, GapSkip:
	default:
		e := invalid(FieldOptions, string(o.Gap), "unknown gap policy %q (want %q or %q)", o.Gap, GapShift, GapSkip)
		e.Option = "gap"
		return o, e
	}
	switch o.Fold {
	case "":
		o.Fold = FoldFirst
	case FoldFirst, FoldBoth:
	default:
		e := invalid(FieldOptions, string(o.Fold), "unknown fold policy %q (want %q or %q)", o.Fold, FoldFirst, FoldBoth)
		e.Option = "fold"
		return o, e
	}
	return o, nil
}

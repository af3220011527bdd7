package indicators

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidParameter is wrapped by errors for impossible parameters, such as
// a period below 1.
var ErrInvalidParameter = errors.New("invalid parameter")

// ErrLengthMismatch is wrapped by errors for inputs of different lengths, such
// as high, low and close series that do not line up.
var ErrLengthMismatch = errors.New("length mismatch")

// Last returns the last finite value of x and true, or NaN and false when x
// holds no finite value (it is empty or still in its warm-up).
func Last(x []float64) (float64, bool) {
	for i := len(x) - 1; i >= 0; i-- {
		if finite(x[i]) {
			return x[i], true
		}
	}
	return math.NaN(), false
}

// checkPeriod reports an error when period n of the named indicator is below 1.
func checkPeriod(name, param string, n int) error {
	if n < 1 {
		return fmt.Errorf("%s: %s %d must be >= 1: %w", name, param, n, ErrInvalidParameter)
	}
	return nil
}

// checkLengths reports an error unless every series has the same length.
func checkLengths(name, series string, lengths ...int) error {
	for _, l := range lengths[1:] {
		if l != lengths[0] {
			return fmt.Errorf("%s: %s have lengths %v: %w", name, series, lengths, ErrLengthMismatch)
		}
	}
	return nil
}

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0)
}

// nans returns a slice of n NaNs.
func nans(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// firstFinite returns the first index at which every series is finite, or the
// common length when there is none.
func firstFinite(series ...[]float64) int {
	n := len(series[0])
	for i := range n {
		ok := true
		for _, s := range series {
			if !finite(s[i]) {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return n
}

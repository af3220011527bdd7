package indicators

// VWAP returns the volume-weighted average price, cumulative from the start
// of the slice: out[i] = Σ tp·volume / Σ volume over bars 0..i, with the
// typical price tp = (high + low + close)/3.
//
// For a VWAP anchored at bar a (a session open, an earnings date), pass the
// slices from a onwards. Volume is assumed non-negative.
//
// Warm-up: none, but the value is NaN while the cumulative volume is zero
// (a zero-volume bar later simply leaves VWAP unchanged). Leading bars with a
// missing input are skipped; a later missing input makes every following
// value NaN.
func VWAP(high, low, close, volume []float64) ([]float64, error) {
	if err := checkLengths("vwap", "high, low, close, volume", len(high), len(low), len(close), len(volume)); err != nil {
		return nil, err
	}
	out := nans(len(close))
	pv, vol := 0.0, 0.0
	for i := firstFinite(high, low, close, volume); i < len(close); i++ {
		if !finite(high[i]) || !finite(low[i]) || !finite(close[i]) || !finite(volume[i]) {
			break
		}
		pv += (high[i] + low[i] + close[i]) / 3 * volume[i]
		vol += volume[i]
		if vol != 0 {
			out[i] = pv / vol
		}
	}
	return out, nil
}

// RollingVWAP returns the volume-weighted average price of the last n bars:
// out[i] = Σ tp·volume / Σ volume over bars i-n+1..i, with the typical price
// tp = (high + low + close)/3. Volume is assumed non-negative.
//
// Warm-up: the first n-1 values are NaN, and so is any window whose volume
// sums to zero. A window holding a missing input gives NaN; the output
// recovers once the gap leaves the window.
func RollingVWAP(high, low, close, volume []float64, n int) ([]float64, error) {
	if err := checkPeriod("rolling vwap", "period", n); err != nil {
		return nil, err
	}
	if err := checkLengths("rolling vwap", "high, low, close, volume", len(high), len(low), len(close), len(volume)); err != nil {
		return nil, err
	}
	// pv[i] and v[i] are bar i's contribution, 0 for a bar with a missing input.
	pv := make([]float64, len(close))
	v := make([]float64, len(close))
	out := nans(len(close))
	sumPV, sumV := 0.0, 0.0
	traded := 0 // bars in the window with non-zero volume
	lastBad := -1
	for i := range close {
		if finite(high[i]) && finite(low[i]) && finite(close[i]) && finite(volume[i]) {
			pv[i] = (high[i] + low[i] + close[i]) / 3 * volume[i]
			v[i] = volume[i]
		} else {
			lastBad = i
		}
		sumPV += pv[i]
		sumV += v[i]
		if v[i] != 0 {
			traded++
		}
		if i >= n {
			sumPV -= pv[i-n]
			sumV -= v[i-n]
			if v[i-n] != 0 {
				traded--
			}
		}
		if traded == 0 {
			// Every contribution in the window is zero: drop rounding residue.
			sumPV, sumV = 0, 0
			continue
		}
		if i >= n-1 && lastBad <= i-n {
			out[i] = sumPV / sumV
		}
	}
	return out, nil
}

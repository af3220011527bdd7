package indicators

// VolumeAverage returns the simple moving average of volume over n bars,
// including the current bar; it is SMA(volume, n).
//
// Warm-up: the first n-1 values are NaN. A window holding a missing value
// gives NaN; the output recovers once the gap leaves the window.
func VolumeAverage(volume []float64, n int) ([]float64, error) {
	if err := checkPeriod("volume average", "period", n); err != nil {
		return nil, err
	}
	return sma(volume, n), nil
}

// VolumeSpikeRatio returns each bar's volume relative to the average of the
// n bars before it: out[i] = volume[i] / mean(volume[i-n..i-1]). The current
// bar is excluded from its own baseline, so a spike does not dilute itself;
// a ratio of 3 means three times the recent average.
//
// Warm-up: the first n values are NaN. The value is NaN when the baseline
// average is zero, or when volume[i] or any baseline bar is missing; the
// output recovers once the gap leaves the window.
func VolumeSpikeRatio(volume []float64, n int) ([]float64, error) {
	if err := checkPeriod("volume spike ratio", "period", n); err != nil {
		return nil, err
	}
	out := nans(len(volume))
	// sum is the sum of the finite volumes in the baseline volume[i-n..i-1]
	// and traded the number of them that are non-zero.
	sum, traded := 0.0, 0
	lastBad := -1
	for i, v := range volume {
		if i >= n && lastBad < i-n && finite(v) && traded > 0 {
			out[i] = v / (sum / float64(n))
		}
		if finite(v) {
			sum += v
			if v != 0 {
				traded++
			}
		} else {
			lastBad = i
		}
		if i >= n {
			if old := volume[i-n]; finite(old) {
				sum -= old
				if old != 0 {
					traded--
				}
			}
		}
		if traded == 0 {
			sum = 0 // every baseline volume is zero: drop rounding residue
		}
	}
	return out, nil
}

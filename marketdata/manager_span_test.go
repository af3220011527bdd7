package marketdata

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

// A short history asked for many bars: the span widens to 336 days × 1.5 ×
// 336 / 10 ≈ 46 years, then to ≈ 3,500 years, past time.Duration's range
// (292 years): it is capped at maxSpan instead of wrapping negative (a span
// ending in the future, no bars) and losing the bars already had.
func TestManagerWidenedSpanDoesNotOverflow(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"TEST_1d.csv": "time,open,high,low,close,volume\n" +
		"2026-01-01,1,1,1,1,1\n2026-01-02,2,2,2,2,1\n2026-01-03,3,3,3,3,1\n2026-01-04,4,4,4,4,1\n2026-01-05,5,5,5,5,1\n2026-01-06,6,6,6,6,1\n2026-01-07,7,7,7,7,1\n2026-01-08,8,8,8,8,1\n2026-01-09,9,9,9,9,1\n2026-01-10,10,10,10,10,1\n"})
	m := NewManager(NewCSV(dir), nil, 0, nil)
	got, err := m.Bars(context.Background(), "TEST", bars.D1, 336, day(2026, 12, 2))
	require.NoError(t, err)
	require.Len(t, got, 10)
	require.Equal(t, day(2026, 1, 10), got[9].Time)
}

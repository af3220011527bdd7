package bars

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTimeframes(t *testing.T) {
	t.Parallel()
	tf, err := ParseTimeframe("4h")
	require.NoError(t, err)
	require.Equal(t, 4*time.Hour, tf.Duration())
	_, err = ParseTimeframe("2h")
	require.ErrorContains(t, err, "must be one of")

	at := time.Date(2027, 3, 17, 13, 47, 12, 0, time.UTC) // a Wednesday
	require.Equal(t, time.Date(2027, 3, 17, 12, 0, 0, 0, time.UTC), H4.Open(at))
	require.Equal(t, time.Date(2027, 3, 17, 13, 45, 0, 0, time.UTC), M15.Open(at))
	require.Equal(t, time.Date(2027, 3, 17, 0, 0, 0, 0, time.UTC), D1.Open(at))
	require.Equal(t, time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC), W1.Open(at), "weeks open on Monday")
	for _, tf := range Timeframes {
		require.Positive(t, tf.Duration())
	}
}

func TestSeries(t *testing.T) {
	t.Parallel()
	s := Series{{Close: 1, Volume: 10, High: 2, Low: 0.5, Open: 0.9}, {Close: 2, Volume: 20, High: 3, Low: 1, Open: 1.1}}
	require.Equal(t, []float64{1, 2}, s.Closes())
	require.Equal(t, []float64{10, 20}, s.Volumes())
	require.Equal(t, []float64{2, 3}, s.Highs())
	require.Equal(t, []float64{0.5, 1}, s.Lows())
	require.Equal(t, []float64{0.9, 1.1}, s.Opens())
	last, ok := s.Last()
	require.True(t, ok)
	require.Equal(t, 2.0, last.Close)
	_, ok = Series{}.Last()
	require.False(t, ok)
}

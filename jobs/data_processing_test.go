package jobs

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/config"
)

// A data_processing schedule fetches (through the cache and market_bars),
// normalises and computes indicators; an unknown data source is refused by
// the schema before it is stored.
func TestDataProcessingJob(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobDataProcessing, cron: "0 * * * *",
		params: map[string]any{"data_source": "synthetic", "symbols": []string{"AAPL", "MSFT"},
			"operations": []string{"fetch", "normalize", "cache", "indicators"}}})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	eventually(t, "data job completed", func() bool { return b.run(t, runID).Status == StatusCompleted })

	var res DataProcessingResult
	require.NoError(t, json.Unmarshal(b.run(t, runID).Result, &res))
	require.Equal(t, "synthetic", res.DataSource)
	require.Zero(t, res.Failed)
	for _, sym := range []string{"AAPL", "MSFT"} {
		d := res.Symbols[sym]
		require.Equal(t, 250, d.Bars, sym)
		require.Positive(t, d.LastClose)
		require.Contains(t, d.Indicators, "rsi_14")
		require.Contains(t, d.Indicators, "sma_50")
	}
	var cached int
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT count(*) FROM market_bars WHERE symbol = 'AAPL' AND timeframe = '1d'").Scan(&cached))
	require.Positive(t, cached, "fetched bars are written to market_bars")

	require.Error(t, validator.Validate(config.JobDataProcessing, []byte(`{"data_source":"bloomberg","symbols":["AAPL"],"operations":["fetch"]}`)))
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	in := bars.Series{
		{Time: t0.Add(time.Hour), Close: 2, High: 2, Low: 1},
		{Time: t0, Close: 1, High: 1, Low: 1},
		{Time: t0, Close: 1.5, High: 1.5, Low: 1},
		{Time: t0.Add(2 * time.Hour), Close: 0, High: 0, Low: 0},
	}
	out := normalize(in)
	require.Len(t, out, 2, "sorted, de-duplicated, empty bars dropped")
	require.True(t, out[0].Time.Equal(t0))
	require.True(t, out[1].Time.Equal(t0.Add(time.Hour)))
}

package jobs

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// runNow starts an ad-hoc run of jobType and waits until it finished.
func (b *bundle) runNow(t *testing.T, jobType, params, target string) dbsqlc.JobScheduleRun {
	t.Helper()
	tx, err := b.pool.Begin(b.ctx)
	require.NoError(t, err)
	id, err := RunNow(b.ctx, tx, b.client.Client, b.cfg, validator, RunNowRequest{JobType: jobType, UserID: b.userID,
		Params: json.RawMessage(params), Target: target})
	require.NoError(t, err)
	require.NoError(t, tx.Commit(b.ctx))
	var run dbsqlc.JobScheduleRun
	eventually(t, "the ad-hoc run finishes", func() bool {
		run = b.run(t, id)
		return run.Status != StatusPending && run.Status != StatusRunning
	})
	require.Nil(t, run.JobID, "an ad-hoc run has no schedule")
	require.Equal(t, "adhoc", run.Trigger)
	require.NotNil(t, run.RiverJobID)
	return run
}

func screenerResult(t *testing.T, run dbsqlc.JobScheduleRun) ScreenerResult {
	t.Helper()
	require.Equal(t, StatusCompleted, run.Status, "run error: %v", run.Error)
	var res ScreenerResult
	require.NoError(t, json.Unmarshal(run.Result, &res))
	return res
}

// A screener run now on a saved custom set filters, ranks, stores the
// design's result shape, sends one notification naming the matches, and
// with create_alerts makes one alert per match, once.
func TestScreenerRunNowCustomSet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := dbsqlc.New().ScreenerSetUpsert(b.ctx, b.pool, dbsqlc.ScreenerSetUpsertParams{UserID: b.userID, Name: "mega",
		Symbols: []string{"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "BRK.B", "JPM"}})
	require.NoError(t, err)

	params := `{"screener_set": "custom:mega", "filter_criteria": {"min_market_cap": 0}, "top_n": 3, "create_alerts": true}`
	run := b.runNow(t, config.JobScreener, params, "")
	res := screenerResult(t, run)
	require.Equal(t, "custom:mega", res.ScreenerSet)
	require.Equal(t, 8, res.TotalTickers)
	require.Equal(t, 8, res.FilteredCount, "every symbol has a market cap >= 0")
	require.Len(t, res.Results, 3)
	require.Equal(t, "market_cap", res.RankBy)
	for i := 1; i < len(res.Results); i++ {
		require.GreaterOrEqual(t, *res.Results[i-1].MarketCap, *res.Results[i].MarketCap, "ranked by market cap, largest first")
	}
	require.Len(t, res.AlertsCreated, 3)

	notes := b.notificationJobs(t)
	require.Len(t, notes, 1)
	require.Equal(t, "screener", notes[0].NotificationType)
	require.Equal(t, res.MessageID, notes[0].MessageID)
	for _, m := range res.Results {
		require.Contains(t, notes[0].Message, m.Symbol)
	}

	// Running it again finds the same matches and makes no second alert each.
	again := screenerResult(t, b.runNow(t, config.JobScreener, params, ""))
	require.Empty(t, again.AlertsCreated)
	var alerts int
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT count(*) FROM job_schedules WHERE job_type = 'alert' AND user_id = $1", b.userID).Scan(&alerts))
	require.Equal(t, 3, alerts)
}

// A plain ticker list in target, a rule on indicators, and an unknown custom
// set: the rule's operands appear in the results; the unknown set cancels the
// run with the reason.
func TestScreenerTickersRuleAndUnknownSet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	params := `{"screener_set": "custom", "filter_criteria": {"rule": {"indicator": "rsi", "period": 14, "operator": "<", "value": 101}}, "rank_by": "rsi", "top_n": 10}`
	res := screenerResult(t, b.runNow(t, config.JobScreener, params, "AAPL, MSFT TSLA"))
	require.Equal(t, 3, res.TotalTickers)
	require.Equal(t, 3, res.FilteredCount+len(res.Missing))
	for _, m := range res.Results {
		require.Contains(t, m.Indicators, "rsi(14)")
	}

	run := b.runNow(t, config.JobScreener, `{"screener_set": "custom:nope", "filter_criteria": {}}`, "")
	require.Equal(t, StatusCancelled, run.Status)
	require.Contains(t, *run.Error, "custom:nope")
}

// The full S&P 500 snapshot on synthetic bars and fundamentals, with a rule
// that needs every symbol's bars: the run completes, every symbol is either
// screened or reported missing, and each symbol's bars were fetched once.
// The elapsed time is logged (figure for the README), not asserted.
func TestScreenerSP500Synthetic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	before := b.market.Fetches()
	start := time.Now()
	params := `{"screener_set": "sp500", "filter_criteria": {"min_market_cap": 10000000000, "max_pe_ratio": 40,
		"rule": {"operator": "and", "conditions": [
			{"indicator": "rsi", "period": 14, "operator": "<", "value": 70},
			{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200}}]}}, "top_n": 20}`
	res := screenerResult(t, b.runNow(t, config.JobScreener, params, ""))
	t.Logf("S&P 500 screener (cold cache, run now to COMPLETED): %s, %d tickers, %d matches, %d missing, %d bar fetches",
		time.Since(start).Round(time.Millisecond), res.TotalTickers, res.FilteredCount, len(res.Missing), b.market.Fetches()-before)
	require.GreaterOrEqual(t, res.TotalTickers, 500)
	require.LessOrEqual(t, len(res.Results), 20)
	require.LessOrEqual(t, b.market.Fetches()-before, int64(res.TotalTickers), "each symbol's bars are fetched at most once")
	notes := b.notificationJobs(t)
	require.Len(t, notes, 1)
	require.LessOrEqual(t, len([]rune(notes[0].Message)), 4096)
	require.True(t, strings.HasPrefix(notes[0].Message, "Screener sp500"), notes[0].Message)
}

// A rule-only screener over the S&P 500 needs every symbol's bars: 503
// fetches, one per symbol, on a cold cache. The time is logged, not asserted.
func TestScreenerSP500RuleOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	before := b.market.Fetches()
	start := time.Now()
	params := `{"screener_set": "sp500", "filter_criteria": {"rule": {"operator": "and", "conditions": [
			{"indicator": "rsi", "period": 14, "operator": "<", "value": 70},
			{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200}}]}}, "rank_by": "rsi", "top_n": 10}`
	res := screenerResult(t, b.runNow(t, config.JobScreener, params, ""))
	fetches := b.market.Fetches() - before
	t.Logf("S&P 500 rule-only screener (cold cache, run now to COMPLETED): %s, %d tickers, %d matches, %d missing, %d bar fetches",
		time.Since(start).Round(time.Millisecond), res.TotalTickers, res.FilteredCount, len(res.Missing), fetches)
	require.Equal(t, int64(res.TotalTickers), fetches, "every symbol's bars, each once")
	require.Empty(t, res.Missing, "300 synthetic daily bars cover SMA 200 for every symbol")
	require.Positive(t, res.FilteredCount)
	require.Less(t, res.FilteredCount, res.TotalTickers, "the rule rejects some symbols")
}

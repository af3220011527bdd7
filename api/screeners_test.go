package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
)

func TestRunScreener(t *testing.T) {
	t.Parallel()
	b := setup(t, adhocKinds)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	run := func(token string, body any) resp { return b.do(http.MethodPost, "/api/screeners/run", token, body) }

	// A universe with criteria.
	id := b.started(run(u.token, map[string]any{"screener_set": "sp500", "top_n": 5,
		"filter_criteria": map[string]any{"max_pe_ratio": 25, "min_market_cap": 10e9}}), "screener")
	job := b.jobOf(id)
	require.Equal(t, config.JobScreener, job.Kind)
	require.Equal(t, config.JobScreener, job.Queue)
	require.Equal(t, id, job.Args.Run.RunID)
	require.Equal(t, u.id, job.Args.Run.UserID)
	require.Empty(t, job.Args.Target)
	require.JSONEq(t, `{"screener_set":"sp500","top_n":5,"filter_criteria":{"max_pe_ratio":25,"min_market_cap":10000000000}}`, string(job.Args.Params))
	run1 := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", id), u.token, nil))
	require.Equal(t, "adhoc", run1["trigger"])
	require.Equal(t, "PENDING", run1["status"])
	require.Equal(t, 1, b.audits("screener.run"))

	// filter_criteria may be left out; a custom screen takes its tickers from target.
	id = b.started(run(u.token, map[string]any{"screener_set": "custom", "target": "aapl, MSFT nvda,aapl", "rank_by": "volume"}), "screener")
	job = b.jobOf(id)
	require.Equal(t, "AAPL,MSFT,NVDA", job.Args.Target)
	require.JSONEq(t, `{"screener_set":"custom","filter_criteria":{},"rank_by":"volume"}`, string(job.Args.Params))
	id = b.started(run(u.token, map[string]any{"screener_set": "custom", "tickers": []string{"aapl", "TSLA"},
		"filter_criteria": map[string]any{"rule": map[string]any{"indicator": "rsi", "period": 14, "operator": "<", "value": 30}}}), "screener")
	require.JSONEq(t, `{"screener_set":"custom","tickers":["AAPL","TSLA"],"filter_criteria":{"rule":{"indicator":"rsi","period":14,"operator":"<","value":30}}}`,
		string(b.jobOf(id).Args.Params))

	// custom:NAME needs one of the caller's sets: another user's does not count.
	b.must(http.StatusOK, b.do(http.MethodPut, "/api/screener-sets/tech", other.token, map[string]any{"symbols": []string{"AAPL"}}))
	b.problemAt(http.StatusUnprocessableEntity, run(u.token, map[string]any{"screener_set": "custom:tech"}), "body.screener_set")
	b.must(http.StatusOK, b.do(http.MethodPut, "/api/screener-sets/tech", u.token, map[string]any{"symbols": []string{"MSFT", "NVDA"}}))
	// (Three runs are pending and nothing works them here: finish them, or
	// a fourth would be refused with 429.)
	_, err := b.pool.Exec(b.ctx, "UPDATE job_schedule_runs SET status = 'COMPLETED' WHERE user_id = $1", u.id)
	require.NoError(t, err)
	id = b.started(run(u.token, map[string]any{"screener_set": "custom:tech", "top_n": 1}), "screener")
	require.JSONEq(t, `{"screener_set":"custom:tech","top_n":1,"filter_criteria":{}}`, string(b.jobOf(id).Args.Params))

	for _, tc := range []struct {
		body  any
		where []string
	}{
		{map[string]any{"screener_set": "sp50"}, []string{"body.screener_set"}},
		{map[string]any{}, []string{"body"}}, // huma: "expected required property screener_set"
		{map[string]any{"screener_set": "sp500", "top_n": 0}, []string{"body.top_n"}},
		{map[string]any{"screener_set": "sp500", "top_n": 501}, []string{"body.top_n"}},
		{map[string]any{"screener_set": "sp500", "filter_criteria": map[string]any{"max_pe_ratio": 0}}, []string{"body.filter_criteria.max_pe_ratio"}},
		{map[string]any{"screener_set": "sp500", "filter_criteria": map[string]any{"min_volume": -1}}, []string{"body.filter_criteria.min_volume"}},
		{map[string]any{"screener_set": "sp500", "filter_criteria": map[string]any{"pe": 3}}, []string{"body.filter_criteria.pe"}},
		{map[string]any{"screener_set": "sp500", "rank_by": "Market Cap"}, []string{"body.rank_by"}},
		{map[string]any{"screener_set": "sp500", "filter_criteria": map[string]any{"rule": map[string]any{"indicator": "nope", "operator": "<", "value": 1}}},
			[]string{"body.filter_criteria.rule.indicator"}},
		{map[string]any{"screener_set": "sp500", "target": "AAPL"}, []string{"body.target"}},
		{map[string]any{"screener_set": "custom"}, []string{"body.tickers"}},
		{map[string]any{"screener_set": "custom", "target": "AAPL", "tickers": []string{"MSFT"}}, []string{"body.target"}},
		{map[string]any{"screener_set": "custom", "target": "AAPL,AA$PL"}, []string{"body.target"}},
		{map[string]any{"screener_set": "custom", "tickers": []string{"AA PL"}}, []string{"body.tickers[0]"}},
		{map[string]any{"screener_set": "custom:nope"}, []string{"body.screener_set"}},
	} {
		b.problemAt(http.StatusUnprocessableEntity, run(u.token, tc.body), tc.where...)
	}
	require.Equal(t, 4, b.count("SELECT count(*) FROM job_schedule_runs WHERE user_id = $1", u.id), "nothing recorded for bad input")
	require.Equal(t, 4, b.count("SELECT count(*) FROM river_job WHERE kind = 'screener'"))
}

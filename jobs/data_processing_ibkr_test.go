package jobs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/marketdata"
)

// ibkrGateway is a local Client Portal Gateway answering in the documented
// JSON: AAPL's search result (conid 265598, STK) and daily history bars for
// the last ten days.
func ibkrGateway(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/api/iserver/secdef/search":
			if r.URL.Query().Get("symbol") != "AAPL" {
				_, _ = w.Write([]byte(`{"error":"No symbol found"}`))
				return
			}
			_, _ = w.Write([]byte(`[{"conid":265598,"companyHeader":"APPLE INC - NASDAQ","companyName":"APPLE INC",` +
				`"symbol":"AAPL","description":"NASDAQ","restricted":null,"fop":null,"opt":null,"war":null,` +
				`"sections":[{"secType":"STK"},{"secType":"OPT","months":"SEP23","exchange":"SMART"}]}]`))
		case "/v1/api/iserver/marketdata/history":
			if r.URL.Query().Get("conid") != "265598" || r.URL.Query().Get("bar") != "1d" {
				http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
				return
			}
			day := time.Now().UTC().Truncate(24 * time.Hour)
			var pts []string
			for i := 9; i >= 0; i-- {
				c := 170 + float64(10-i)
				pts = append(pts, fmt.Sprintf(`{"o":%.2f,"c":%.2f,"h":%.2f,"l":%.2f,"v":%d,"t":%d}`,
					c-0.5, c, c+1, c-1, 1000+i, day.AddDate(0, 0, -i).UnixMilli()))
			}
			fmt.Fprintf(w, `{"serverId":"20477","symbol":"AAPL","text":"APPLE INC","priceFactor":100,`+
				`"startTime":"20230831-13:30:00","high":"18100/1009/0","low":"16900/1000/0","timePeriod":%q,`+
				`"barLength":86400,"mdAvailability":"S","mktDataDelay":0,"outsideRth":false,"volumeFactor":1,`+
				`"priceDisplayRule":1,"priceDisplayValue":"2","negativeCapable":false,"messageVersion":2,`+
				`"data":[%s],"points":9,"travelTime":48}`, r.URL.Query().Get("period"), strings.Join(pts, ","))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A data_processing job with data_source ibkr fetches bars from the
// gateway and stores them in market_bars; an unknown symbol fails alone.
func TestDataProcessingIBKR(t *testing.T) {
	t.Parallel()
	gw := ibkrGateway(t)
	b := setup(t, setupOpts{providers: &marketdata.ProviderOptions{IBKRGatewayURL: gw.URL + "/v1/api"}})
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobDataProcessing, cron: "0 * * * *",
		params: map[string]any{"data_source": "ibkr", "symbols": []string{"AAPL", "NOSUCH"},
			"operations": []string{"fetch", "normalize", "cache"}}})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	eventually(t, "data job finished", func() bool {
		st := b.run(t, runID).Status
		return st == StatusCompleted || st == StatusFailed
	})
	run := b.run(t, runID)
	require.Equal(t, StatusCompleted, run.Status, "an unknown symbol is not a job failure")
	var res DataProcessingResult
	require.NoError(t, json.Unmarshal(run.Result, &res))
	require.Equal(t, "ibkr", res.DataSource)
	require.Equal(t, 1, res.Failed)
	require.Contains(t, res.Symbols["NOSUCH"].Error, "No symbol found")
	aapl := res.Symbols["AAPL"]
	require.Empty(t, aapl.Error)
	require.Positive(t, aapl.Bars)
	require.InDelta(t, 180, aapl.LastClose, 1e-9, "the latest bar's close, as the gateway sent it")

	var stored int
	require.NoError(t, b.pool.QueryRow(b.ctx,
		"SELECT count(*) FROM market_bars WHERE provider = 'ibkr' AND symbol = 'AAPL' AND timeframe = '1d'").Scan(&stored))
	require.Positive(t, stored, "fetched bars are written to market_bars")
}

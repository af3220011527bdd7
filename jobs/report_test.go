package jobs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

func reportResult(t *testing.T, run dbsqlc.JobScheduleRun) ReportResult {
	t.Helper()
	require.Equal(t, StatusCompleted, run.Status, "run error: %v", run.Error)
	var res ReportResult
	require.NoError(t, json.Unmarshal(run.Result, &res))
	return res
}

// A daily_summary with charts for five symbols, run now, arrives through the
// local Bot API stand-in as the text followed by one photo per symbol; the
// charts are the run's artifacts, byte for byte what was sent.
func TestDailySummaryWithChartsThroughTelegram(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	stand := telegramtest.New(telegramtest.Options{})
	t.Cleanup(stand.Close)
	tg, err := notify.NewTelegram(stand.Token(), stand.Endpoint())
	require.NoError(t, err)
	cfg := testConfig()
	client, err := NewClient(workDeps(Deps{Pool: d.Pool, Config: cfg, Logger: testLogger(t), Work: true,
		Channels: map[string]notify.Channel{notify.ChannelTelegram: tg}}))
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Shutdown(t.Context(), time.Second) })
	chat := int64(4242)
	u, err := dbsqlc.New().UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: "trader", Status: "verified",
		TelegramUserID: &chat, TelegramChatID: &chat})
	require.NoError(t, err)
	b := &bundle{db: d, pool: d.Pool, cfg: cfg, client: client, userID: u.ID, ctx: ctx}

	symbols := []string{"AAPL", "MSFT", "NVDA", "AMZN", "BRK.B"}
	params, err := json.Marshal(map[string]any{"report_type": "daily_summary",
		"parameters": map[string]any{"symbols": symbols, "include_charts": true}})
	require.NoError(t, err)
	run := b.runNow(t, config.JobReport, string(params), "")
	res := reportResult(t, run)
	require.Len(t, res.Charts, 5)
	require.Empty(t, res.Missing)

	var msgs []telegramtest.Message
	eventually(t, "the text and five photos arrive", func() bool {
		msgs = stand.Messages(chat)
		return len(msgs) >= 6
	})
	require.Len(t, msgs, 6, "one text, five photos, nothing twice")
	require.Equal(t, "sendMessage", msgs[0].Method, "the text comes first")
	for _, s := range symbols {
		require.Contains(t, msgs[0].Plain, s)
	}
	arts, err := dbsqlc.New().ArtifactList(ctx, d.Pool, run.ID)
	require.NoError(t, err)
	require.Len(t, arts, 5)
	for i, m := range msgs[1:] {
		require.Equal(t, "sendPhoto", m.Method)
		img, err := png.Decode(bytes.NewReader(m.Photo))
		require.NoError(t, err)
		require.Positive(t, img.Bounds().Dx())
		art, err := dbsqlc.New().ArtifactGet(ctx, d.Pool, dbsqlc.ArtifactGetParams{RunID: run.ID, Name: res.Charts[i].Name})
		require.NoError(t, err)
		require.Equal(t, art.Data, m.Photo, "photo %d is the stored artifact %s", i, res.Charts[i].Name)
		require.Equal(t, fmt.Sprintf("/api/runs/%d/artifacts/%s", run.ID, art.Name), res.Charts[i].URL)
	}
	require.Zero(t, stand.Violations())
}

// portfolio_analysis reads the user's own portfolio; another user's
// portfolio id cancels the run with the field named. performance_report
// without charts stores no artifacts.
func TestPortfolioAndPerformanceReports(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{realReports: true})
	q := dbsqlc.New()
	pf, err := q.PortfolioCreate(b.ctx, b.pool, dbsqlc.PortfolioCreateParams{UserID: b.userID, Name: "core", Currency: "USD"})
	require.NoError(t, err)
	for _, h := range []dbsqlc.HoldingUpsertParams{{Symbol: "AAPL", Quantity: 10, CostBasis: 150}, {Symbol: "MSFT", Quantity: 5, CostBasis: 300}} {
		h.PortfolioID = pf.ID
		_, err := q.HoldingUpsert(b.ctx, b.pool, h)
		require.NoError(t, err)
	}
	run := b.runNow(t, config.JobReport, fmt.Sprintf(`{"report_type": "portfolio_analysis", "parameters": {"portfolio_id": %d, "include_charts": true}}`, pf.ID), "")
	res := reportResult(t, run)
	require.Equal(t, "portfolio_analysis", res.ReportType)
	require.NotEmpty(t, res.Charts)
	raw, err := json.Marshal(res.Report)
	require.NoError(t, err)
	require.Contains(t, string(raw), "AAPL")
	notes := b.notificationJobs(t)
	require.Len(t, notes, 1)
	require.Len(t, notes[0].Attachments, len(res.Charts))
	// The user has no Telegram chat: the message is recorded with where to
	// download the charts instead of photos.
	var recorded string
	eventually(t, "the report is recorded on the log channel", func() bool {
		return b.pool.QueryRow(b.ctx, "SELECT message FROM notifications WHERE run_id = $1 AND status = 'recorded'", run.ID).Scan(&recorded) == nil
	})
	require.Contains(t, recorded, fmt.Sprintf("/api/runs/%d/artifacts/%s", run.ID, res.Charts[0].Name))

	other, err := q.UserCreate(b.ctx, b.pool, dbsqlc.UserCreateParams{Name: "other", Status: "verified"})
	require.NoError(t, err)
	theirs, err := q.PortfolioCreate(b.ctx, b.pool, dbsqlc.PortfolioCreateParams{UserID: other.ID, Name: "secret", Currency: "USD"})
	require.NoError(t, err)
	cancelled := b.runNow(t, config.JobReport, fmt.Sprintf(`{"report_type": "portfolio_analysis", "parameters": {"portfolio_id": %d}}`, theirs.ID), "")
	require.Equal(t, StatusCancelled, cancelled.Status)
	require.Contains(t, *cancelled.Error, "parameters.portfolio_id")

	perf := b.runNow(t, config.JobReport, `{"report_type": "performance_report", "parameters": {"symbols": ["AAPL", "SPY"], "windows": [5, 20]}}`, "")
	pres := reportResult(t, perf)
	require.Empty(t, pres.Charts)
	arts, err := q.ArtifactList(b.ctx, b.pool, perf.ID)
	require.NoError(t, err)
	require.Empty(t, arts)
}

// A daily summary lists the user's alerts that fired today on each symbol
// (and not an alert that only evaluated, nor one from yesterday).
func TestDailySummaryListsAlertsFiredToday(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{realReports: true})
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "0 21 * * 1-5",
		params: map[string]any{"symbol": "AAPL", "condition": "price_above", "threshold": 1}})
	_, err := b.pool.Exec(b.ctx, "UPDATE job_schedules SET name = 'AAPL breakout' WHERE id = $1", s.ID)
	require.NoError(t, err)
	insert := func(at time.Time, fired bool) {
		_, err := b.pool.Exec(b.ctx, `INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for, finished_at, result)
			VALUES ('alert', $1, $2, 'COMPLETED', $3, $3, $4)`, s.ID, b.userID, at,
			fmt.Sprintf(`{"symbol": "AAPL", "fired": %t, "condition": "close > 1"}`, fired))
		require.NoError(t, err)
	}
	now := time.Now().UTC()
	b.partitionFor(t, now.Add(-48*time.Hour))
	insert(now, true)
	insert(now.Add(-time.Microsecond), false)
	insert(now.Add(-48*time.Hour), true)

	res := reportResult(t, b.runNow(t, config.JobReport, `{"report_type": "daily_summary", "parameters": {"symbols": ["AAPL", "MSFT"]}}`, ""))
	var ds struct {
		Symbols []struct {
			Symbol      string   `json:"symbol"`
			AlertsFired []string `json:"alerts_fired"`
		} `json:"symbols"`
	}
	raw, err := json.Marshal(res.Report)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &ds))
	require.Len(t, ds.Symbols, 2)
	require.Len(t, ds.Symbols[0].AlertsFired, 1, "only today's firing counts: %v", ds.Symbols[0].AlertsFired)
	require.Contains(t, ds.Symbols[0].AlertsFired[0], "AAPL breakout (close > 1)")
	require.Empty(t, ds.Symbols[1].AlertsFired)
	notes := b.notificationJobs(t)
	require.Contains(t, notes[len(notes)-1].Message, "AAPL breakout")
}

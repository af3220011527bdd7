package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/api/client"
)

// newClient is the generated client against the test server, sending token.
func (b *bundle) newClient(token string) *client.ClientWithResponses {
	b.t.Helper()
	c, err := client.NewClientWithResponses(b.srv.URL, client.WithHTTPClient(b.http),
		client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			if token != "" {
				r.Header.Set("Authorization", "Bearer "+token)
			}
			return nil
		}))
	require.NoError(b.t, err)
	return c
}

func ptr[T any](v T) *T { return &v }

// TestGeneratedClient drives the API end to end over HTTP with the generated
// client (api/client): create a schedule, read it, trigger it, list and read
// its runs, cancel the run, replace the schedule with If-Match, delete it.
func TestGeneratedClient(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	c := b.newClient(u.token)
	ctx := b.ctx

	// Create.
	created, err := c.CreateScheduleWithResponse(ctx, client.ScheduleInput{
		Name: "ping", JobType: client.ScheduleInputJobTypeNotification, Target: ptr("me"),
		Cron: "30 9 * * *", Timezone: ptr("Europe/Berlin"),
		TaskParams: map[string]any{"user_id": u.id, "message": "ping"},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode(), string(created.Body))
	s := created.JSON201
	require.NotNil(t, s)
	require.Equal(t, "ping", s.Name)
	require.Equal(t, int32(u.id), s.UserID)
	require.True(t, s.Enabled)
	require.NotNil(t, s.NextRunAt)
	require.NotNil(t, created.Headers201)
	require.Equal(t, fmt.Sprintf("/api/schedules/%d", s.ID), *created.Headers201.Location)
	etag := *created.Headers201.ETag
	require.NotEmpty(t, etag)

	// Get: the same schedule and ETag.
	got, err := c.GetScheduleWithResponse(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode(), string(got.Body))
	require.Equal(t, s.ID, got.JSON200.ID)
	require.Equal(t, "Europe/Berlin", got.JSON200.Timezone)
	require.Equal(t, etag, *got.Headers200.ETag)

	// List schedules.
	list, err := c.ListSchedulesWithResponse(ctx, &client.ListSchedulesParams{Limit: ptr(int64(10))})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, list.StatusCode(), string(list.Body))
	require.NotNil(t, list.JSON200.Items)
	require.Len(t, *list.JSON200.Items, 1)
	require.Equal(t, s.ID, (*list.JSON200.Items)[0].ID)

	// Trigger: a pending manual run of the schedule.
	trig, err := c.TriggerScheduleWithResponse(ctx, s.ID, client.TriggerScheduleJSONRequestBody{Force: ptr(true)})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, trig.StatusCode(), string(trig.Body))
	run := trig.JSON202
	require.Equal(t, client.RunStatusPENDING, run.Status)
	require.Equal(t, client.RunTriggerManual, run.Trigger)
	require.Equal(t, int64(s.ID), *run.ScheduleID)
	require.Equal(t, fmt.Sprintf("/api/runs/%d", run.ID), *trig.Headers202.Location)

	// List the schedule's runs, and get the run.
	runs, err := c.ListRunsWithResponse(ctx, &client.ListRunsParams{ScheduleID: ptr(int64(s.ID))})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, runs.StatusCode(), string(runs.Body))
	require.NotNil(t, runs.JSON200.Items)
	require.Len(t, *runs.JSON200.Items, 1)
	require.Equal(t, run.ID, (*runs.JSON200.Items)[0].ID)
	require.Nil(t, runs.JSON200.NextCursor)
	one, err := c.GetRunWithResponse(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, one.StatusCode(), string(one.Body))
	require.Equal(t, run.RunID, one.JSON200.RunID)

	// Cancel the run; a second cancel is a 409 problem.
	cancelled, err := c.CancelRunWithResponse(ctx, run.ID, &client.CancelRunParams{Reason: ptr("not needed")})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, cancelled.StatusCode(), string(cancelled.Body))
	require.Equal(t, client.RunStatusCANCELLED, cancelled.JSON200.Status)
	again, err := c.CancelRunWithResponse(ctx, run.ID, &client.CancelRunParams{})
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, again.StatusCode())
	require.NotNil(t, again.ApplicationProblemJSON409)

	// Replace with If-Match; the old ETag is then stale (412 naming If-Match).
	in := client.ScheduleInput{Name: "pong", JobType: client.ScheduleInputJobTypeNotification, Cron: "0 10 * * *",
		TaskParams: map[string]any{"user_id": u.id, "message": "pong"}}
	replaced, err := c.ReplaceScheduleWithResponse(ctx, s.ID, &client.ReplaceScheduleParams{IfMatch: &etag}, in)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, replaced.StatusCode(), string(replaced.Body))
	require.Equal(t, "pong", replaced.JSON200.Name)
	require.Equal(t, "UTC", replaced.JSON200.Timezone)
	require.NotEqual(t, etag, *replaced.Headers200.ETag)
	stale, err := c.ReplaceScheduleWithResponse(ctx, s.ID, &client.ReplaceScheduleParams{IfMatch: &etag}, in)
	require.NoError(t, err)
	require.Equal(t, http.StatusPreconditionFailed, stale.StatusCode())
	require.Equal(t, "header.If-Match", *(*stale.ApplicationProblemJSON412.Errors)[0].Location)

	// Problems: validation (422 naming the field), no token (401), unknown id (404).
	bad := in
	bad.Cron = "61 * * * *"
	invalid, err := c.CreateScheduleWithResponse(ctx, bad)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnprocessableEntity, invalid.StatusCode())
	require.Equal(t, "body.cron", *(*invalid.ApplicationProblemJSON422.Errors)[0].Location)
	anon, err := b.newClient("").GetScheduleWithResponse(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, anon.StatusCode())
	require.NotNil(t, anon.ApplicationProblemJSON401)

	// Delete.
	del, err := c.DeleteScheduleWithResponse(ctx, s.ID, &client.DeleteScheduleParams{})
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, del.StatusCode(), string(del.Body))
	gone, err := c.GetScheduleWithResponse(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, gone.StatusCode())
	require.NotNil(t, gone.ApplicationProblemJSON404)
}

// TestOpenAPIDocument checks that api.OpenAPI (what api/cmd/openapi-dump
// writes, without a database) is the document the server serves, and that
// the 3.0 document the committed client was generated from is current.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := api.OpenAPI()

	served := b.must(http.StatusOK, b.do(http.MethodGet, "/openapi.json", "", nil))
	require.Equal(t, decode(t, mustJSON(t, doc)), served)

	v30, err := doc.Downgrade()
	require.NoError(t, err)
	served30 := b.must(http.StatusOK, b.do(http.MethodGet, "/openapi-3.0.json", "", nil))
	require.Equal(t, decode(t, v30), served30)

	committed, err := os.ReadFile("client/openapi-3.0.json")
	require.NoError(t, err)
	require.Equal(t, decode(t, v30), decode(t, committed),
		"api/client is stale: run make generate-client")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestGeneratedClientReports drives the new resources with the generated
// client: a screener set, a portfolio with a holding, a report run on it,
// and the download of a file the run produced.
func TestGeneratedClientReports(t *testing.T) {
	t.Parallel()
	b := setup(t, adhocKinds)
	u := b.user("ann", userOpts{})
	c := b.newClient(u.token)
	ctx := b.ctx

	set, err := c.PutScreenerSetWithResponse(ctx, "tech", client.ScreenerSetInput{Symbols: &[]string{"aapl", "MSFT"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, set.StatusCode(), string(set.Body))
	require.Equal(t, []string{"AAPL", "MSFT"}, *set.JSON200.Symbols)
	screen, err := c.RunScreenerWithResponse(ctx, client.ScreenerRequest{ScreenerSet: "custom:tech", TopN: ptr(int64(1))})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, screen.StatusCode(), string(screen.Body))

	created, err := c.CreatePortfolioWithResponse(ctx, client.PortfolioInput{Name: "main"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode(), string(created.Body))
	id := created.JSON201.ID
	held, err := c.PutPortfolioHoldingWithResponse(ctx, id, "aapl", client.HoldingInput{Quantity: 10, CostBasis: 150})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, held.StatusCode(), string(held.Body))
	require.Equal(t, "AAPL", held.JSON200.Symbol)
	got, err := c.GetPortfolioWithResponse(ctx, id)
	require.NoError(t, err)
	require.Len(t, *got.JSON200.Holdings, 1)

	run, err := c.RunReportWithResponse(ctx, client.ReportRequest{ReportType: client.PortfolioAnalysis,
		Parameters: &client.ReportParameters{PortfolioID: &id, IncludeCharts: ptr(true)}})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, run.StatusCode(), string(run.Body))
	started := run.JSON202
	require.Equal(t, fmt.Sprintf("/api/runs/%d/artifacts", started.RunID), started.Links.Artifacts)
	bad, err := c.RunReportWithResponse(ctx, client.ReportRequest{ReportType: client.PortfolioAnalysis})
	require.NoError(t, err)
	require.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode())
	require.Equal(t, "body.parameters.portfolio_id", *(*bad.ApplicationProblemJSON422.Errors)[0].Location)

	data, hash := b.artifact(started.RunID, "equity.png", 2048)
	list, err := c.ListRunArtifactsWithResponse(ctx, started.RunID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, list.StatusCode(), string(list.Body))
	require.Len(t, *list.JSON200.Items, 1)
	require.Equal(t, hash, (*list.JSON200.Items)[0].Sha256)
	file, err := c.GetRunArtifactWithResponse(ctx, started.RunID, "equity.png", &client.GetRunArtifactParams{})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, file.StatusCode())
	require.Equal(t, data, file.Body)
	require.Equal(t, "image/png", file.HTTPResponse.Header.Get("Content-Type"))
}

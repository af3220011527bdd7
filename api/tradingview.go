package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/tradingview"
)

// defaultTradingViewBody is the body limit when the config sets none (the
// OpenAPI document is built without one).
const defaultTradingViewBody = 64 << 10

// tradingViewReadTimeout bounds reading a webhook body: TradingView waits
// 3 seconds for the answer.
const tradingViewReadTimeout = 2 * time.Second

// tradingViewHookPath is the webhook operation's path.
const tradingViewHookPath = "/hooks/tradingview/{token}"

// rateWindow is the window of tradingview_rate_limit.
const rateWindow = time.Minute

const rotateTradingViewTokenDoc = "Gives you a new token for TradingView webhooks and returns it with the path to paste " +
	"into a TradingView alert's Webhook URL (prefix it with this server's address): this answer is the only time it " +
	"is shown (only a SHA-256 of its secret is stored). The previous token stops working at once."

const tradingViewHookDoc = "The Webhook URL of a TradingView alert: `POST /hooks/tradingview/{token}` with your token " +
	"(`POST /api/me/tradingview-token`) and no other authentication. The body is TradingView's alert message: plain " +
	"text (its placeholders already expanded), or a JSON object where `message` (or `text`), `ticker`, `price`, " +
	"`action` (or `side`), `bot` and `size_pct` — or `actions`, a list of `{bot, side, size_pct, symbol}` " +
	"(schemas/actions.v1.json) — are recognised and anything else is kept out of the way. The request is only " +
	"validated and queued (202) well within TradingView's 3-second limit; a worker then sends you the message and " +
	"stores the trading-bot actions for the trading bot service. 404: unknown token (also a blocked user). 409: the " +
	"same body within `tradingview_replay_window` (60 s), ignored. 413: over `tradingview_max_body_bytes` (64 KiB). " +
	"422: a field at fault, named. 429: over `tradingview_rate_limit` (60 per minute) for this token, with Retry-After."

// TradingViewToken is a newly issued TradingView webhook token.
type TradingViewToken struct {
	Token  string `json:"token" doc:"The token, shown only in this answer"`
	Path   string `json:"path" example:"/hooks/tradingview/tv_…" doc:"The webhook's path on this API: prefix it with the server's address"`
	Prefix string `json:"prefix" doc:"The token's first characters, for recognising it later"`
	// RateLimit and the others are the limits the webhook applies.
	RateLimit     int `json:"rate_limit_per_minute" doc:"Requests per minute the token may make (tradingview_rate_limit)"`
	ReplaySeconds int `json:"replay_window_seconds" doc:"How long the same body is refused as a replay (tradingview_replay_window)"`
	MaxBodyBytes  int `json:"max_body_bytes" doc:"Largest body accepted (tradingview_max_body_bytes)"`
}

type tradingViewTokenOutput struct {
	Body TradingViewToken
}

// tradingViewHookInput is a webhook request: the token and the raw body,
// with its Content-Type (read by Resolve: TradingView sends text/plain or
// application/json).
type tradingViewHookInput struct {
	Token       string `path:"token" doc:"Your TradingView webhook token (tv_…)"`
	RawBody     []byte `contentType:"text/plain"`
	contentType string
}

// Resolve keeps the request's Content-Type.
func (in *tradingViewHookInput) Resolve(ctx huma.Context) []error {
	in.contentType = ctx.Header("Content-Type")
	return nil
}

// TradingViewAccepted is the answer to an accepted webhook request.
type TradingViewAccepted struct {
	Status     string `json:"status" example:"queued" doc:"queued: a worker sends the message and stores the actions"`
	JobID      int64  `json:"job_id" doc:"The River job that delivers it"`
	Format     string `json:"format" enum:"json,text" doc:"How the body was read"`
	Actions    int    `json:"actions" doc:"Trading-bot actions the body asks for"`
	BodySHA256 string `json:"body_sha256" doc:"SHA-256 of the body: the same body within the replay window is refused"`
}

type tradingViewAcceptedOutput struct {
	Body TradingViewAccepted
}

func (h *handler) registerTradingView(api huma.API) {
	opd(api, "rotate-tradingview-token", http.MethodPost, "/api/me/tradingview-token", "Issue a new TradingView webhook token",
		rotateTradingViewTokenDoc, "webhooks", 0, h.rotateTradingViewToken)

	maxBody := h.cfg.TradingViewMaxBodyBytes
	if maxBody <= 0 {
		maxBody = defaultTradingViewBody
	}
	object := &huma.Schema{Type: "object", AdditionalProperties: true, Description: "A TradingView alert message in JSON",
		Properties: map[string]*huma.Schema{
			"message":  {Type: "string", Description: "The text to notify (also: text)"},
			"ticker":   {Type: "string", Description: "{{ticker}}; an exchange prefix (NASDAQ:AAPL) is dropped"},
			"price":    {Type: "number", Description: "{{close}}; a quoted number is read too"},
			"action":   {Type: "string", Description: "buy, sell or exit ({{strategy.order.action}}; also: side)"},
			"bot":      {Type: "string", Description: "The trading bot an action is for"},
			"size_pct": {Type: "number", Description: "Percent of equity (buy) or of the position (sell)"},
			"actions":  {Type: "array", Description: "Actions of schemas/actions.v1.json: [{bot, side, size_pct, symbol}]", Items: &huma.Schema{Type: "object"}},
		}}
	text := &huma.Schema{Type: "string", Description: "The alert message, placeholders expanded"}
	huma.Register(api, huma.Operation{
		OperationID: "tradingview-webhook", Method: http.MethodPost, Path: tradingViewHookPath,
		// No bearer token: the token in the path authenticates the request.
		Security: []map[string][]string{{}},
		Summary:  "Receive a TradingView alert", Description: tradingViewHookDoc, Tags: []string{"webhooks"},
		DefaultStatus: http.StatusAccepted,
		// huma answers 413 when the body reaches the limit: one byte more is allowed.
		MaxBodyBytes: int64(maxBody) + 1, BodyReadTimeout: tradingViewReadTimeout,
		// The handler reads the raw body itself (text or any JSON object):
		// the schemas below document it.
		SkipValidateBody: true,
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json": {Schema: object},
			"text/plain":       {Schema: text},
		}},
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge,
			http.StatusUnprocessableEntity, http.StatusTooManyRequests},
	}, h.tradingViewHook)
	// The raw body made the text/plain schema a binary string; it is text.
	if pi := api.OpenAPI().Paths[tradingViewHookPath]; pi != nil && pi.Post != nil && pi.Post.RequestBody != nil {
		pi.Post.RequestBody.Content["text/plain"] = &huma.MediaType{Schema: text}
	}
}

func (h *handler) rotateTradingViewToken(ctx context.Context, _ *struct{}) (*tradingViewTokenOutput, error) {
	p := caller(ctx)
	var tok tradingview.Token
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		tok, err = store.RotateTradingViewToken(ctx, tx, auditlog.Entry{Actor: p.UserID, Owner: p.UserID, Source: auditlog.SourceAPI})
		return err
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &tradingViewTokenOutput{Body: TradingViewToken{Token: tok.Value, Path: store.TradingViewHookPath(tok.Value),
		Prefix: tok.Prefix, RateLimit: h.cfg.TradingViewRateLimit, ReplaySeconds: int(h.cfg.TradingViewReplayWindow.D().Seconds()),
		MaxBodyBytes: h.cfg.TradingViewMaxBodyBytes}}, nil
}

var errNoHook = huma.Error404NotFound("no such webhook: check the token in the URL (POST /api/me/tradingview-token or `vigil users tradingview-token ID` issues one)")

// tradingViewHook validates a webhook request and queues its delivery: the
// token (constant-time), the body, the token's rate limit and the replay
// window, then one transaction that takes the request from the limit,
// records the body, enqueues the job and audits it.
func (h *handler) tradingViewHook(ctx context.Context, in *tradingViewHookInput) (*tradingViewAcceptedOutput, error) {
	userID, err := h.tradingViewOwner(ctx, in.Token)
	if err != nil {
		return nil, err
	}
	alert, err := tradingview.Parse(in.contentType, in.RawBody)
	if err != nil {
		return nil, bodyProblem(err)
	}
	if len(alert.Actions) > 0 {
		if err := h.validator.Validate(schemas.Actions, alert.ActionsDocument()); err != nil {
			return nil, actionsProblem(alert, err)
		}
	}
	sum := sha256.Sum256(in.RawBody)
	args := jobs.TradingViewArgs{UserID: userID, ReceivedAt: h.now().UTC(), BodySHA256: hex.EncodeToString(sum[:]), Alert: alert}
	now := args.ReceivedAt
	replayBefore := now.Add(-h.cfg.TradingViewReplayWindow.D())
	var jobID int64
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		take, err := h.q.TradingViewTake(ctx, tx, dbsqlc.TradingViewTakeParams{UserID: userID, Now: now,
			ExpiredBefore: now.Add(-rateWindow)})
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoHook // the user went away since the token was checked
		}
		if err != nil {
			return fmt.Errorf("take from the webhook rate limit of user %d: %w", userID, err)
		}
		if int(take.WindowCount) > h.cfg.TradingViewRateLimit {
			return rateLimited(h.cfg, take.WindowStart.Add(rateWindow).Sub(now))
		}
		if err := h.q.TradingViewForget(ctx, tx, dbsqlc.TradingViewForgetParams{UserID: userID, ReplayBefore: replayBefore}); err != nil {
			return fmt.Errorf("forget old webhook bodies of user %d: %w", userID, err)
		}
		if _, err := h.q.TradingViewReceive(ctx, tx, dbsqlc.TradingViewReceiveParams{UserID: userID, BodySha256: sum[:],
			Now: now, ReplayBefore: replayBefore}); errors.Is(err, pgx.ErrNoRows) {
			return h.replay(ctx, tx, userID, sum[:], now)
		} else if err != nil {
			return fmt.Errorf("record the webhook body of user %d: %w", userID, err)
		}
		res, err := h.client.InsertTx(ctx, tx, args, jobs.InsertOpts(h.cfg, config.JobNotification))
		if err != nil {
			return fmt.Errorf("enqueue the tradingview alert of user %d: %w", userID, err)
		}
		jobID = res.Job.ID
		return auditlog.Write(ctx, tx, auditlog.Entry{Actor: userID, Owner: userID, Source: auditlog.SourceWebhook,
			Action: "tradingview.receive", EntityType: "river_job", EntityID: jobID,
			Details: map[string]any{"body_sha256": args.BodySHA256, "bytes": len(in.RawBody), "format": alert.Format,
				"ticker": alert.Ticker, "actions": len(alert.Actions)}})
	})
	var withHeaders huma.HeadersError
	if errors.As(err, &withHeaders) {
		return nil, err // 429 with its Retry-After
	}
	if err != nil {
		return nil, h.problem(err)
	}
	h.log.Info("tradingview alert queued", "user_id", userID, "job_id", jobID, "format", alert.Format,
		"actions", len(alert.Actions), "bytes", len(in.RawBody))
	return &tradingViewAcceptedOutput{Body: TradingViewAccepted{Status: "queued", JobID: jobID, Format: alert.Format,
		Actions: len(alert.Actions), BodySHA256: args.BodySHA256}}, nil
}

// tradingViewOwner resolves a webhook token to its owner: 404 for a token
// of the wrong shape, an unknown selector, a wrong secret (compared in
// constant time, also against a dummy for an unknown selector) or a
// blocked owner.
func (h *handler) tradingViewOwner(ctx context.Context, token string) (int64, error) {
	selector, hash, ok := tradingview.ParseToken(token)
	var stored []byte
	var row dbsqlc.TradingViewTokenBySelectorRow
	if ok {
		var err error
		row, err = h.q.TradingViewTokenBySelector(ctx, h.pool, selector)
		switch {
		case err == nil:
			stored = row.SecretHash
		case !errors.Is(err, pgx.ErrNoRows):
			return 0, h.problem(fmt.Errorf("look up a tradingview token: %w", err))
		}
	}
	if !tradingview.SecretMatches(stored, hash) || row.UserStatus == "blocked" {
		return 0, errNoHook
	}
	return row.UserID, nil
}

// replay answers a body received again within the replay window: 409, and
// nothing is queued.
func (h *handler) replay(ctx context.Context, tx pgx.Tx, userID int64, sum []byte, now time.Time) error {
	at, err := h.q.TradingViewReceiptAt(ctx, tx, dbsqlc.TradingViewReceiptAtParams{UserID: userID, BodySha256: sum})
	if err != nil {
		return fmt.Errorf("read the first receipt of a replayed body: %w", err)
	}
	ago := max(now.Sub(at).Round(time.Second), 0)
	return huma.Error409Conflict(fmt.Sprintf("duplicate ignored: the same body arrived %s ago (tradingview_replay_window %s); nothing was queued",
		ago, h.cfg.TradingViewReplayWindow.D()))
}

// rateLimited is the 429 of a token over tradingview_rate_limit, with
// Retry-After in whole seconds until its window ends.
func rateLimited(cfg config.Config, wait time.Duration) error {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	return huma.ErrorWithHeaders(huma.Error429TooManyRequests(fmt.Sprintf(
		"rate limit: %d requests per minute for this webhook token (tradingview_rate_limit); retry in %d s",
		cfg.TradingViewRateLimit, secs)), http.Header{"Retry-After": {strconv.Itoa(secs)}})
}

// bodyProblem is the 422 of a body tradingview.Parse refused.
func bodyProblem(err error) error {
	var be *tradingview.BodyError
	if !errors.As(err, &be) {
		return err
	}
	details := make([]error, len(be.Problems))
	for i, p := range be.Problems {
		details[i] = &huma.ErrorDetail{Location: p.Location, Message: p.Message}
	}
	return huma.Error422UnprocessableEntity("invalid TradingView alert body", details...)
}

// actionsProblem is the 422 of actions the actions schema refused, each
// problem located where the body gave the value.
func actionsProblem(a tradingview.Alert, err error) error {
	var ve *schemas.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	details := make([]error, len(ve.Problems))
	for i, p := range ve.Problems {
		details[i] = &huma.ErrorDetail{Location: a.Location(p.Pointer), Message: p.Message}
	}
	return huma.Error422UnprocessableEntity("invalid trading-bot actions (schemas/actions.v1.json)", details...)
}

package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/broker"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/secrets"
)

const putAlpacaDoc = "Stores your Alpaca paper trading API key, which your bots with `\"broker\": \"alpaca\"` place their " +
	"orders with. The secret is stored encrypted and never shown again: GET shows the key id masked. Only Alpaca's " +
	"paper trading API is supported: `paper` must be true (422 naming `body.paper` otherwise: live trading is refused). " +
	"Replacing the key applies from the bots' next broker call. 409 when the server has no `secret_key` to store it with."

// AlpacaCredentials is an Alpaca paper trading API key.
type AlpacaCredentials struct {
	KeyID     string `json:"key_id" minLength:"1" maxLength:"128" pattern:"^[A-Za-z0-9]+$" example:"PKTEST1234567890" doc:"The API key id (APCA-API-KEY-ID)"`
	SecretKey string `json:"secret_key" minLength:"1" maxLength:"256" pattern:"^[A-Za-z0-9+/=_-]+$" doc:"The API secret key (APCA-API-SECRET-KEY); stored encrypted, never shown again"`
	Paper     *bool  `json:"paper,omitempty" doc:"Paper trading: must be true (the default); live trading is refused"`
}

// BrokerAccount is a stored broker key, its secret withheld.
type BrokerAccount struct {
	Broker    string    `json:"broker" enum:"alpaca"`
	KeyID     string    `json:"key_id" example:"PK…7890" doc:"The key id, masked: its first two and last four characters"`
	Paper     bool      `json:"paper"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type brokerAccountOutput struct {
	Body BrokerAccount
}

type putAlpacaInput struct {
	Body AlpacaCredentials
}

func (h *handler) registerBrokers(api huma.API) {
	op(api, "get-my-alpaca", http.MethodGet, "/api/me/brokers/alpaca", "Your Alpaca API key (the secret withheld)", "bots", 0,
		h.getAlpaca, http.StatusNotFound)
	opd(api, "put-my-alpaca", http.MethodPut, "/api/me/brokers/alpaca", "Store your Alpaca paper trading API key", putAlpacaDoc,
		"bots", 0, h.putAlpaca, http.StatusConflict, http.StatusUnprocessableEntity)
	op(api, "delete-my-alpaca", http.MethodDelete, "/api/me/brokers/alpaca", "Remove your Alpaca API key", "bots",
		http.StatusNoContent, h.deleteAlpaca, http.StatusNotFound)
}

func (h *handler) getAlpaca(ctx context.Context, _ *struct{}) (*brokerAccountOutput, error) {
	row, err := h.q.BrokerCredentialGet(ctx, h.pool, brokerKey(caller(ctx).UserID))
	if err != nil {
		return nil, h.problem(noAlpaca(err))
	}
	return &brokerAccountOutput{Body: BrokerAccount{Broker: row.Broker, KeyID: maskKey(row.KeyID), Paper: row.Paper,
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}}, nil
}

func (h *handler) putAlpaca(ctx context.Context, in *putAlpacaInput) (*brokerAccountOutput, error) {
	p := caller(ctx)
	if in.Body.Paper != nil && !*in.Body.Paper {
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.paper",
			"live trading is not supported: only Alpaca's paper trading API (paper must be true)"))
	}
	kr, err := h.cfg.Keyring()
	if err != nil {
		return nil, h.problem(err)
	}
	if !kr.Enabled() {
		return nil, huma.Error409Conflict("this server stores no per-user secrets: its operator has not set secret_key (VIGIL_SECRET_KEY)")
	}
	var out BrokerAccount
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		row, err := store.SetBrokerCredentials(ctx, tx, kr, auditlog.Entry{Actor: p.UserID, Source: auditlog.SourceAPI},
			store.BrokerCredentials{UserID: p.UserID, Broker: broker.Alpaca, KeyID: in.Body.KeyID, SecretKey: in.Body.SecretKey, Paper: true})
		out = BrokerAccount{Broker: row.Broker, KeyID: maskKey(row.KeyID), Paper: row.Paper, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
		return err
	})
	var field string
	switch {
	case errors.Is(err, secrets.ErrNoKey):
		return nil, huma.Error409Conflict("this server stores no per-user secrets: its operator has not set secret_key (VIGIL_SECRET_KEY)")
	case errors.Is(err, store.ErrBrokerCredentials):
		msg := strings.TrimPrefix(err.Error(), store.ErrBrokerCredentials.Error()+": ")
		field, _, _ = strings.Cut(msg, ":")
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body."+field, msg))
	case err != nil:
		return nil, h.problem(err)
	}
	return &brokerAccountOutput{Body: out}, nil
}

func (h *handler) deleteAlpaca(ctx context.Context, _ *struct{}) (*struct{}, error) {
	p := caller(ctx)
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		return store.DeleteBrokerCredentials(ctx, tx, auditlog.Entry{Actor: p.UserID, Source: auditlog.SourceAPI}, p.UserID, broker.Alpaca)
	})
	if err != nil {
		return nil, h.problem(noAlpaca(err))
	}
	return nil, nil
}

func brokerKey(userID int64) dbsqlc.BrokerCredentialGetParams {
	return dbsqlc.BrokerCredentialGetParams{UserID: userID, Broker: broker.Alpaca}
}

// noAlpaca is the 404 of a user without Alpaca credentials.
func noAlpaca(err error) error {
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return huma.Error404NotFound("no Alpaca credentials for this user: PUT /api/me/brokers/alpaca")
	}
	return err
}

// maskKey shows a key id's first two and last four characters.
func maskKey(k string) string {
	if len(k) <= 8 {
		return strings.Repeat("•", len(k))
	}
	return k[:2] + "…" + k[len(k)-4:]
}

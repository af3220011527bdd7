package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

const (
	createPortfolioDoc = "Creates one of your portfolios, optionally with its holdings. A " +
		"`portfolio_analysis` report (POST /api/reports/run) analyses its holdings. Names are unique per user."
	putHoldingDoc = "Sets the quantity and average cost of one holding of one of your portfolios, " +
		"adding it when missing. The symbol is upper-cased; a `/` in it is sent as `%2F`."
)

// Holding is one position of a portfolio.
type Holding struct {
	Symbol    string    `json:"symbol" example:"AAPL"`
	Quantity  float64   `json:"quantity" example:"10" doc:"Units held"`
	CostBasis float64   `json:"cost_basis" example:"150.25" doc:"Average price paid per unit, in the portfolio's currency"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toHolding(r dbsqlc.PortfolioHolding) Holding {
	return Holding{Symbol: r.Symbol, Quantity: r.Quantity, CostBasis: r.CostBasis, UpdatedAt: r.UpdatedAt}
}

// PortfolioSummary is a portfolio without its holdings.
type PortfolioSummary struct {
	ID        int64     `json:"id" example:"3"`
	Name      string    `json:"name" example:"retirement"`
	Currency  string    `json:"currency" example:"USD"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toPortfolioSummary(r dbsqlc.Portfolio) PortfolioSummary {
	return PortfolioSummary{ID: r.ID, Name: r.Name, Currency: r.Currency, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Portfolio is a portfolio with its holdings.
type Portfolio struct {
	ID        int64     `json:"id" example:"3"`
	Name      string    `json:"name" example:"retirement"`
	Currency  string    `json:"currency" example:"USD"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Holdings  []Holding `json:"holdings" doc:"By symbol"`
}

func toPortfolio(r dbsqlc.Portfolio, hs []dbsqlc.PortfolioHolding) Portfolio {
	out := Portfolio{ID: r.ID, Name: r.Name, Currency: r.Currency, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Holdings: make([]Holding, len(hs))}
	for i, h := range hs {
		out.Holdings[i] = toHolding(h)
	}
	return out
}

// HoldingInput is a holding's quantity and average cost.
type HoldingInput struct {
	Quantity  float64 `json:"quantity" exclusiveMinimum:"0" example:"10" doc:"Units held, > 0"`
	CostBasis float64 `json:"cost_basis" minimum:"0" example:"150.25" doc:"Average price paid per unit, >= 0"`
}

// check reports a quantity or cost that is out of range, located at base.
func (in HoldingInput) check(base string) error {
	switch {
	case math.IsNaN(in.Quantity) || math.IsInf(in.Quantity, 0) || in.Quantity <= 0:
		return badRequest(http.StatusUnprocessableEntity, base+".quantity", "must be a finite number > 0")
	case math.IsNaN(in.CostBasis) || math.IsInf(in.CostBasis, 0) || in.CostBasis < 0:
		return badRequest(http.StatusUnprocessableEntity, base+".cost_basis", "must be a finite number >= 0")
	}
	return nil
}

// NewHolding is a holding of a portfolio being created.
type NewHolding struct {
	Symbol    string  `json:"symbol" minLength:"1" maxLength:"32" example:"AAPL" doc:"Upper-cased"`
	Quantity  float64 `json:"quantity" exclusiveMinimum:"0" example:"10" doc:"Units held, > 0"`
	CostBasis float64 `json:"cost_basis" minimum:"0" example:"150.25" doc:"Average price paid per unit, >= 0"`
}

// PortfolioInput is the body of POST /api/portfolios.
type PortfolioInput struct {
	Name     string       `json:"name" pattern:"^[a-z0-9][a-z0-9_-]{0,63}$" example:"retirement" doc:"1-64 of a-z 0-9 _ -, starting with a letter or digit; unique among your portfolios"`
	Currency string       `json:"currency,omitempty" pattern:"^[A-Z]{3}$" default:"USD" example:"USD" doc:"ISO 4217 code of the cost basis's currency"`
	Holdings []NewHolding `json:"holdings,omitempty" maxItems:"1000" doc:"Initial holdings"`
}

// PortfolioList is every portfolio of the caller, by name.
type PortfolioList struct {
	Items []PortfolioSummary `json:"items"`
}

type listPortfoliosOutput struct {
	Body PortfolioList
}

func (h *handler) listPortfolios(ctx context.Context, _ *struct{}) (*listPortfoliosOutput, error) {
	p := caller(ctx)
	rows, err := h.q.PortfolioList(ctx, h.pool, p.UserID)
	if err != nil {
		return nil, h.problem(fmt.Errorf("list portfolios of user %d: %w", p.UserID, err))
	}
	out := &listPortfoliosOutput{Body: PortfolioList{Items: make([]PortfolioSummary, len(rows))}}
	for i, r := range rows {
		out.Body.Items[i] = toPortfolioSummary(r)
	}
	return out, nil
}

type createPortfolioInput struct {
	Body PortfolioInput
}

type createPortfolioOutput struct {
	Location string `header:"Location"`
	Body     Portfolio
}

func (h *handler) createPortfolio(ctx context.Context, in *createPortfolioInput) (*createPortfolioOutput, error) {
	p := caller(ctx)
	def := in.Body
	if def.Currency == "" {
		def.Currency = "USD"
	}
	holdings := make([]dbsqlc.HoldingUpsertParams, len(def.Holdings))
	seen := map[string]bool{}
	for i, nh := range def.Holdings {
		base := fmt.Sprintf("body.holdings[%d]", i)
		sym, err := normalizeSymbol(base+".symbol", nh.Symbol)
		if err != nil {
			return nil, h.problem(err)
		}
		if seen[sym] {
			return nil, h.problem(badRequest(http.StatusUnprocessableEntity, base+".symbol", fmt.Sprintf("%s is listed twice", sym)))
		}
		seen[sym] = true
		if err := (HoldingInput{Quantity: nh.Quantity, CostBasis: nh.CostBasis}).check(base); err != nil {
			return nil, h.problem(err)
		}
		holdings[i] = dbsqlc.HoldingUpsertParams{Symbol: sym, Quantity: nh.Quantity, CostBasis: nh.CostBasis}
	}
	var out Portfolio
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		row, err := h.q.PortfolioCreate(ctx, tx, dbsqlc.PortfolioCreateParams{UserID: p.UserID, Name: def.Name, Currency: def.Currency})
		if err != nil {
			if errors.Is(db.Translate(err), db.ErrConflict) {
				return badRequest(http.StatusConflict, "body.name", fmt.Sprintf("you already have a portfolio named %q", def.Name))
			}
			return fmt.Errorf("create portfolio %q: %w", def.Name, err)
		}
		hs := make([]dbsqlc.PortfolioHolding, len(holdings))
		for i, hp := range holdings {
			hp.PortfolioID = row.ID
			if hs[i], err = h.q.HoldingUpsert(ctx, tx, hp); err != nil {
				return fmt.Errorf("add %s to portfolio %d: %w", hp.Symbol, row.ID, err)
			}
		}
		out = toPortfolio(row, hs)
		return audit(ctx, tx, p.actor(), "portfolio.create", "portfolio", row.ID,
			map[string]any{"name": row.Name, "currency": row.Currency, "holdings": len(hs)})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &createPortfolioOutput{Location: fmt.Sprintf("/api/portfolios/%d", out.ID), Body: out}, nil
}

type portfolioIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"3" doc:"Portfolio id"`
}

type portfolioOutput struct {
	Body Portfolio
}

func (h *handler) getPortfolio(ctx context.Context, in *portfolioIDInput) (*portfolioOutput, error) {
	p := caller(ctx)
	var out Portfolio
	// One snapshot: the portfolio and its holdings as of the same moment.
	err := pgx.BeginTxFunc(ctx, h.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		row, err := h.q.PortfolioGet(ctx, tx, dbsqlc.PortfolioGetParams{ID: in.ID, UserID: p.UserID})
		if err != nil {
			return notFound(err, "portfolio", in.ID)
		}
		hs, err := h.q.HoldingList(ctx, tx, row.ID)
		if err != nil {
			return fmt.Errorf("list holdings of portfolio %d: %w", row.ID, err)
		}
		out = toPortfolio(row, hs)
		return nil
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &portfolioOutput{Body: out}, nil
}

func (h *handler) deletePortfolio(ctx context.Context, in *portfolioIDInput) (*struct{}, error) {
	p := caller(ctx)
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		row, err := h.q.PortfolioGet(ctx, tx, dbsqlc.PortfolioGetParams{ID: in.ID, UserID: p.UserID})
		if err != nil {
			return notFound(err, "portfolio", in.ID)
		}
		if _, err := h.q.PortfolioDelete(ctx, tx, dbsqlc.PortfolioDeleteParams{ID: in.ID, UserID: p.UserID}); err != nil {
			return fmt.Errorf("delete portfolio %d: %w", in.ID, err)
		}
		return audit(ctx, tx, p.actor(), "portfolio.delete", "portfolio", in.ID, map[string]any{"name": row.Name})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return nil, nil
}

type holdingPathInput struct {
	ID     int64  `path:"id" minimum:"1" example:"3" doc:"Portfolio id"`
	Symbol string `path:"symbol" minLength:"1" maxLength:"32" example:"AAPL" doc:"Symbol (upper-cased)"`
}

type putHoldingInput struct {
	ID     int64  `path:"id" minimum:"1" example:"3" doc:"Portfolio id"`
	Symbol string `path:"symbol" minLength:"1" maxLength:"32" example:"AAPL" doc:"Symbol (upper-cased)"`
	Body   HoldingInput
}

type holdingOutput struct {
	Body Holding
}

func (h *handler) putHolding(ctx context.Context, in *putHoldingInput) (*holdingOutput, error) {
	p := caller(ctx)
	sym, err := normalizeSymbol("path.symbol", in.Symbol)
	if err != nil {
		return nil, h.problem(err)
	}
	if err := in.Body.check("body"); err != nil {
		return nil, h.problem(err)
	}
	var row dbsqlc.PortfolioHolding
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if _, err := h.q.PortfolioGet(ctx, tx, dbsqlc.PortfolioGetParams{ID: in.ID, UserID: p.UserID}); err != nil {
			return notFound(err, "portfolio", in.ID)
		}
		var err error
		row, err = h.q.HoldingUpsert(ctx, tx, dbsqlc.HoldingUpsertParams{PortfolioID: in.ID, Symbol: sym,
			Quantity: in.Body.Quantity, CostBasis: in.Body.CostBasis})
		if err != nil {
			return fmt.Errorf("set holding %s of portfolio %d: %w", sym, in.ID, err)
		}
		if err := h.q.PortfolioTouch(ctx, tx, in.ID); err != nil {
			return fmt.Errorf("touch portfolio %d: %w", in.ID, err)
		}
		return audit(ctx, tx, p.actor(), "portfolio.holding.put", "portfolio", in.ID,
			map[string]any{"symbol": sym, "quantity": row.Quantity, "cost_basis": row.CostBasis})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &holdingOutput{Body: toHolding(row)}, nil
}

func (h *handler) deleteHolding(ctx context.Context, in *holdingPathInput) (*struct{}, error) {
	p := caller(ctx)
	sym, err := normalizeSymbol("path.symbol", in.Symbol)
	if err != nil {
		return nil, h.problem(err)
	}
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if _, err := h.q.PortfolioGet(ctx, tx, dbsqlc.PortfolioGetParams{ID: in.ID, UserID: p.UserID}); err != nil {
			return notFound(err, "portfolio", in.ID)
		}
		n, err := h.q.HoldingDelete(ctx, tx, dbsqlc.HoldingDeleteParams{PortfolioID: in.ID, Symbol: sym})
		if err != nil {
			return fmt.Errorf("delete holding %s of portfolio %d: %w", sym, in.ID, err)
		}
		if n == 0 {
			return &notFoundError{what: fmt.Sprintf("holding in portfolio %d", in.ID), id: sym}
		}
		if err := h.q.PortfolioTouch(ctx, tx, in.ID); err != nil {
			return fmt.Errorf("touch portfolio %d: %w", in.ID, err)
		}
		return audit(ctx, tx, p.actor(), "portfolio.holding.delete", "portfolio", in.ID, map[string]any{"symbol": sym})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return nil, nil
}

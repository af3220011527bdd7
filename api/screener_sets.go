package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// maxSetSymbols is the most symbols a screener set holds (screener_sets.symbols).
const maxSetSymbols = 1000

const putScreenerSetDoc = "Creates or replaces one of your screener sets: a named ticker list that " +
	"screeners run on with `screener_set: custom:NAME`. Symbols are upper-cased and deduplicated " +
	"(1-1000 after that)."

// ScreenerSet is a user's named ticker list.
type ScreenerSet struct {
	Name        string    `json:"name" example:"tech"`
	ScreenerSet string    `json:"screener_set" example:"custom:tech" doc:"What screener_set of a screener names this set"`
	Symbols     []string  `json:"symbols" example:"[\"AAPL\",\"MSFT\",\"NVDA\"]"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toScreenerSet(r dbsqlc.ScreenerSet) ScreenerSet {
	return ScreenerSet{Name: r.Name, ScreenerSet: "custom:" + r.Name, Symbols: r.Symbols, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// ScreenerSetList is every screener set of the caller, by name.
type ScreenerSetList struct {
	Items []ScreenerSet `json:"items"`
}

type listScreenerSetsOutput struct {
	Body ScreenerSetList
}

func (h *handler) listScreenerSets(ctx context.Context, _ *struct{}) (*listScreenerSetsOutput, error) {
	p := caller(ctx)
	rows, err := h.q.ScreenerSetList(ctx, h.pool, p.UserID)
	if err != nil {
		return nil, h.problem(fmt.Errorf("list screener sets of user %d: %w", p.UserID, err))
	}
	out := &listScreenerSetsOutput{Body: ScreenerSetList{Items: make([]ScreenerSet, len(rows))}}
	for i, r := range rows {
		out.Body.Items[i] = toScreenerSet(r)
	}
	return out, nil
}

type screenerSetNameInput struct {
	Name string `path:"name" pattern:"^[a-z0-9][a-z0-9_-]{0,63}$" example:"tech" doc:"Set name: 1-64 of a-z 0-9 _ -, starting with a letter or digit"`
}

type screenerSetOutput struct {
	Body ScreenerSet
}

func (h *handler) getScreenerSet(ctx context.Context, in *screenerSetNameInput) (*screenerSetOutput, error) {
	p := caller(ctx)
	row, err := h.q.ScreenerSetGet(ctx, h.pool, dbsqlc.ScreenerSetGetParams{UserID: p.UserID, Name: in.Name})
	if err != nil {
		return nil, h.problem(notFound(err, "screener set", in.Name))
	}
	return &screenerSetOutput{Body: toScreenerSet(row)}, nil
}

// ScreenerSetInput is the body of PUT /api/screener-sets/{name}.
type ScreenerSetInput struct {
	Symbols []string `json:"symbols" minItems:"1" maxItems:"1000" example:"[\"AAPL\",\"msft\",\"NVDA\"]" doc:"Tickers; upper-cased and deduplicated"`
}

type putScreenerSetInput struct {
	Name string `path:"name" pattern:"^[a-z0-9][a-z0-9_-]{0,63}$" example:"tech" doc:"Set name: 1-64 of a-z 0-9 _ -, starting with a letter or digit"`
	Body ScreenerSetInput
}

func (h *handler) putScreenerSet(ctx context.Context, in *putScreenerSetInput) (*screenerSetOutput, error) {
	p := caller(ctx)
	symbols := normalizeSymbols(in.Body.Symbols)
	for i, s := range symbols {
		if !tickerRE.MatchString(s) {
			return nil, h.problem(badRequest(http.StatusUnprocessableEntity, fmt.Sprintf("body.symbols[%d]", i),
				fmt.Sprintf("%q is not a ticker: use %s", clip(s), tickerRule)))
		}
	}
	if len(symbols) > maxSetSymbols {
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.symbols", fmt.Sprintf("at most %d symbols", maxSetSymbols)))
	}
	var row dbsqlc.ScreenerSet
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		row, err = h.q.ScreenerSetUpsert(ctx, tx, dbsqlc.ScreenerSetUpsertParams{UserID: p.UserID, Name: in.Name, Symbols: symbols})
		if err != nil {
			return fmt.Errorf("save screener set %q: %w", in.Name, err)
		}
		return audit(ctx, tx, p.actor(), "screener_set.put", "screener_set", row.Name,
			map[string]any{"symbols": len(row.Symbols)})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &screenerSetOutput{Body: toScreenerSet(row)}, nil
}

func (h *handler) deleteScreenerSet(ctx context.Context, in *screenerSetNameInput) (*struct{}, error) {
	p := caller(ctx)
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		n, err := h.q.ScreenerSetDelete(ctx, tx, dbsqlc.ScreenerSetDeleteParams{UserID: p.UserID, Name: in.Name})
		if err != nil {
			return fmt.Errorf("delete screener set %q: %w", in.Name, err)
		}
		if n == 0 {
			return &notFoundError{what: "screener set", id: in.Name}
		}
		return audit(ctx, tx, p.actor(), "screener_set.delete", "screener_set", in.Name, nil)
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return nil, nil
}

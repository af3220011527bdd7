package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// setPreview is how many symbols /sets shows per set.
const setPreview = 10

// num formats a quantity or price as typed: 10, 150.25, 0.001.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// portfolioByName loads one of user's portfolios; problem says when there
// is none of that name.
func (b *Bot) portfolioByName(ctx context.Context, tx pgx.Tx, user dbsqlc.User, name string) (dbsqlc.Portfolio, string, error) {
	p, err := b.q.PortfolioGetByName(ctx, tx, dbsqlc.PortfolioGetByNameParams{UserID: user.ID, Name: name})
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Sprintf("You have no portfolio %q. /portfolios lists yours; /portfolio add %s SYMBOL QTY PRICE creates it.", name, name), nil
	}
	if err != nil {
		return p, "", fmt.Errorf("load portfolio %q of user %d: %w", name, user.ID, err)
	}
	return p, "", nil
}

func (b *Bot) cmdPortfolios(ctx context.Context, tx pgx.Tx, r reply, user dbsqlc.User) (reply, error) {
	rows, err := b.q.PortfolioListWithCounts(ctx, tx, user.ID)
	if err != nil {
		return r, fmt.Errorf("list portfolios of user %d: %w", user.ID, err)
	}
	if len(rows) == 0 {
		r.text = "You have no portfolios. Create one: /portfolio add main AAPL 10 150"
		return r, nil
	}
	var sb strings.Builder
	sb.WriteString("Your portfolios:\n")
	for i, p := range rows {
		if i == listLimit {
			sb.WriteString("… and more\n")
			break
		}
		fmt.Fprintf(&sb, "%s (%s) — %s\n", p.Name, p.Currency, plural(int(p.Holdings), "holding"))
	}
	r.text = strings.TrimSpace(sb.String()) + "\n/portfolio NAME shows one."
	return r, nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (b *Bot) cmdPortfolio(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	spec := cmd.Portfolio
	switch spec.Action {
	case ActionList:
		return b.cmdPortfolios(ctx, tx, r, user)
	case ActionAdd:
		return b.portfolioAdd(ctx, tx, r, spec, user)
	}
	p, problem, err := b.portfolioByName(ctx, tx, user, spec.Name)
	if err != nil || problem != "" {
		r.text = problem
		return r, err
	}
	switch spec.Action {
	case ActionShow:
		hs, err := b.q.HoldingList(ctx, tx, p.ID)
		if err != nil {
			return r, fmt.Errorf("list holdings of portfolio %d: %w", p.ID, err)
		}
		if len(hs) == 0 {
			r.text = fmt.Sprintf("Portfolio %s (%s) has no holdings. Add one: /portfolio add %s AAPL 10 150", p.Name, p.Currency, p.Name)
			return r, nil
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "Portfolio %s (%s), %s:\n", p.Name, p.Currency, plural(len(hs), "holding"))
		total := 0.0
		for _, h := range hs {
			cost := h.Quantity * h.CostBasis
			total += cost
			fmt.Fprintf(&sb, "%s %s @ %s = %.2f\n", h.Symbol, num(h.Quantity), num(h.CostBasis), cost)
		}
		fmt.Fprintf(&sb, "Cost: %.2f %s\n/report portfolio %s analyses it.", total, p.Currency, p.Name)
		r.text = sb.String()
		return r, nil // a read: nothing changed to log
	case ActionRemove:
		n, err := b.q.HoldingDelete(ctx, tx, dbsqlc.HoldingDeleteParams{PortfolioID: p.ID, Symbol: spec.Symbol})
		if err != nil {
			return r, fmt.Errorf("remove %s from portfolio %d: %w", spec.Symbol, p.ID, err)
		}
		if n == 0 {
			r.text = fmt.Sprintf("%s is not in portfolio %s. /portfolio %s shows its holdings.", spec.Symbol, p.Name, p.Name)
			return r, nil
		}
		if err := b.q.PortfolioTouch(ctx, tx, p.ID); err != nil {
			return r, fmt.Errorf("touch portfolio %d: %w", p.ID, err)
		}
		r.text = fmt.Sprintf("Removed %s from portfolio %s.", spec.Symbol, p.Name)
	case ActionDelete:
		if _, err := b.q.PortfolioDelete(ctx, tx, dbsqlc.PortfolioDeleteParams{ID: p.ID, UserID: user.ID}); err != nil {
			return r, fmt.Errorf("delete portfolio %d: %w", p.ID, err)
		}
		r.text = fmt.Sprintf("Portfolio %s deleted with its holdings.", p.Name)
	}
	b.log.InfoContext(ctx, "portfolio changed from telegram", "user_id", user.ID, "portfolio_id", p.ID, "action", spec.Action)
	action, details := "portfolio.delete", map[string]any{"name": p.Name}
	if spec.Action == ActionRemove {
		action, details = "portfolio.holding.delete", map[string]any{"symbol": spec.Symbol}
	}
	return r, b.audit(ctx, tx, user.ID, user.ID, action, "portfolio", p.ID, details)
}

// portfolioAdd upserts a holding, creating the portfolio when it is missing.
func (b *Bot) portfolioAdd(ctx context.Context, tx pgx.Tx, r reply, spec *PortfolioSpec, user dbsqlc.User) (reply, error) {
	p, err := b.q.PortfolioGetByName(ctx, tx, dbsqlc.PortfolioGetByNameParams{UserID: user.ID, Name: spec.Name})
	created := errors.Is(err, pgx.ErrNoRows)
	if created {
		p, err = b.q.PortfolioCreate(ctx, tx, dbsqlc.PortfolioCreateParams{UserID: user.ID, Name: spec.Name, Currency: "USD"})
	}
	if err != nil {
		return r, fmt.Errorf("load or create portfolio %q of user %d: %w", spec.Name, user.ID, err)
	}
	if _, err := b.q.HoldingUpsert(ctx, tx, dbsqlc.HoldingUpsertParams{PortfolioID: p.ID, Symbol: spec.Symbol,
		Quantity: spec.Quantity, CostBasis: spec.Price}); err != nil {
		return r, fmt.Errorf("save %s in portfolio %d: %w", spec.Symbol, p.ID, err)
	}
	if err := b.q.PortfolioTouch(ctx, tx, p.ID); err != nil {
		return r, fmt.Errorf("touch portfolio %d: %w", p.ID, err)
	}
	b.log.InfoContext(ctx, "portfolio changed from telegram", "user_id", user.ID, "portfolio_id", p.ID, "action", ActionAdd)
	if created {
		if err := b.audit(ctx, tx, user.ID, user.ID, "portfolio.create", "portfolio", p.ID, map[string]any{"name": p.Name}); err != nil {
			return r, err
		}
	}
	if err := b.audit(ctx, tx, user.ID, user.ID, "portfolio.holding.put", "portfolio", p.ID,
		map[string]any{"symbol": spec.Symbol, "quantity": spec.Quantity, "cost_basis": spec.Price}); err != nil {
		return r, err
	}
	r.text = fmt.Sprintf("Portfolio %s: %s %s @ %s saved. /portfolio %s shows it.", p.Name, spec.Symbol, num(spec.Quantity), num(spec.Price), p.Name)
	if created {
		r.text = fmt.Sprintf("Created portfolio %s (%s).\n", p.Name, p.Currency) + r.text
	}
	return r, nil
}

func (b *Bot) cmdSets(ctx context.Context, tx pgx.Tx, r reply, user dbsqlc.User) (reply, error) {
	rows, err := b.q.ScreenerSetList(ctx, tx, user.ID)
	if err != nil {
		return r, fmt.Errorf("list screener sets of user %d: %w", user.ID, err)
	}
	if len(rows) == 0 {
		r.text = "You have no screener sets. Save one: /set tech AAPL,MSFT,NVDA"
		return r, nil
	}
	var sb strings.Builder
	sb.WriteString("Your screener sets:\n")
	for i, s := range rows {
		if i == listLimit {
			sb.WriteString("… and more\n")
			break
		}
		fmt.Fprintf(&sb, "%s (%d): %s\n", s.Name, len(s.Symbols), symbolPreview(s.Symbols))
	}
	r.text = strings.TrimSpace(sb.String()) + "\n/screener NAME screens one."
	return r, nil
}

// symbolPreview lists the first symbols of a set.
func symbolPreview(symbols []string) string {
	if len(symbols) <= setPreview {
		return strings.Join(symbols, ", ")
	}
	return strings.Join(symbols[:setPreview], ", ") + ", …"
}

func (b *Bot) cmdSet(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	spec := cmd.Set
	switch spec.Action {
	case ActionSave:
		s, err := b.q.ScreenerSetUpsert(ctx, tx, dbsqlc.ScreenerSetUpsertParams{UserID: user.ID, Name: spec.Name, Symbols: spec.Symbols})
		if err != nil {
			return r, fmt.Errorf("save screener set %q of user %d: %w", spec.Name, user.ID, err)
		}
		r.text = fmt.Sprintf("Screener set %s saved with %s: %s.\n/screener %s screens it.", s.Name, plural(len(s.Symbols), "ticker"),
			symbolPreview(s.Symbols), s.Name)
		if err := b.audit(ctx, tx, user.ID, user.ID, "screener_set.put", "screener_set", s.Name, map[string]any{"symbols": len(s.Symbols)}); err != nil {
			return r, err
		}
	case ActionShow:
		s, err := b.q.ScreenerSetGet(ctx, tx, dbsqlc.ScreenerSetGetParams{UserID: user.ID, Name: spec.Name})
		if errors.Is(err, pgx.ErrNoRows) {
			r.text = fmt.Sprintf("You have no screener set %q. /sets lists yours.", spec.Name)
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("load screener set %q of user %d: %w", spec.Name, user.ID, err)
		}
		r.text = fmt.Sprintf("Screener set %s (%d): %s", s.Name, len(s.Symbols), strings.Join(s.Symbols, ", "))
		return r, nil
	case ActionDelete:
		n, err := b.q.ScreenerSetDelete(ctx, tx, dbsqlc.ScreenerSetDeleteParams{UserID: user.ID, Name: spec.Name})
		if err != nil {
			return r, fmt.Errorf("delete screener set %q of user %d: %w", spec.Name, user.ID, err)
		}
		if n == 0 {
			r.text = fmt.Sprintf("You have no screener set %q. /sets lists yours.", spec.Name)
			return r, nil
		}
		r.text = fmt.Sprintf("Screener set %s deleted.", spec.Name)
		if err := b.audit(ctx, tx, user.ID, user.ID, "screener_set.delete", "screener_set", spec.Name, nil); err != nil {
			return r, err
		}
	}
	b.log.InfoContext(ctx, "screener set changed from telegram", "user_id", user.ID, "name", spec.Name, "action", spec.Action)
	return r, nil
}

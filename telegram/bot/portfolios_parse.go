package bot

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Actions of /portfolio and /set.
const (
	ActionList   = "list"
	ActionShow   = "show"
	ActionAdd    = "add"
	ActionRemove = "remove"
	ActionDelete = "delete"
	ActionSave   = "save"
)

// PortfolioSpec is what /portfolio asks for.
type PortfolioSpec struct {
	// Action is list, show, add, remove or delete.
	Action string
	// Name is the portfolio's name, lower-cased.
	Name string
	// Symbol is the holding's symbol (add, remove), upper-cased.
	Symbol string
	// Quantity and Price are the holding's units and average cost (add).
	Quantity, Price float64
}

// SetSpec is what /set asks for.
type SetSpec struct {
	// Action is save, show or delete.
	Action string
	// Name is the set's name, lower-cased.
	Name string
	// Symbols are the set's tickers (save), upper-cased, without duplicates.
	Symbols []string
}

// holdingSymbolRE is a holding's symbol (portfolio_holdings.symbol).
var holdingSymbolRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.\-_=^/]{0,31}$`)

// maxAmount bounds quantities and prices.
const maxAmount = 1e15

// parsePortfolio parses "NAME", "show NAME", "add NAME SYMBOL QTY PRICE",
// "remove NAME SYMBOL" and "delete NAME"; no arguments lists.
func parsePortfolio(args string) (*PortfolioSpec, error) {
	fields := strings.Fields(args)
	if len(fields) == 0 {
		return &PortfolioSpec{Action: ActionList}, nil
	}
	spec := &PortfolioSpec{Action: ActionShow}
	rest := fields
	switch a := strings.ToLower(fields[0]); a {
	case ActionShow, ActionAdd, ActionRemove, ActionDelete:
		spec.Action, rest = a, fields[1:]
	}
	want := map[string]int{ActionShow: 1, ActionAdd: 4, ActionRemove: 2, ActionDelete: 1}[spec.Action]
	if len(rest) != want {
		forms := map[string]string{
			ActionShow:   "/portfolio NAME",
			ActionAdd:    "/portfolio add NAME SYMBOL QTY PRICE",
			ActionRemove: "/portfolio remove NAME SYMBOL",
			ActionDelete: "/portfolio delete NAME",
		}
		return nil, usage("portfolio", fmt.Sprintf("That is not the form %s.", forms[spec.Action]))
	}
	name, err := parseName("portfolio", rest[0])
	if err != nil {
		return nil, err
	}
	spec.Name = name
	if spec.Action == ActionAdd || spec.Action == ActionRemove {
		sym := strings.ToUpper(rest[1])
		if !holdingSymbolRE.MatchString(sym) {
			return nil, usage("portfolio", fmt.Sprintf("%q is not a symbol: use 1-32 characters from A-Z 0-9 . - _ = ^ /.", clip(rest[1])))
		}
		spec.Symbol = sym
	}
	if spec.Action == ActionAdd {
		if spec.Quantity, err = parseAmount(rest[2], "quantity", false); err != nil {
			return nil, err
		}
		if spec.Price, err = parseAmount(rest[3], "price", true); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

// parseAmount parses a quantity (> 0) or a price (>= 0, "$" allowed).
func parseAmount(s, what string, zeroOK bool) (float64, error) {
	n, err := strconv.ParseFloat(strings.TrimPrefix(s, "$"), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n > maxAmount {
		return 0, usage("portfolio", fmt.Sprintf("The %s %q is not a number.", what, clip(s)))
	}
	if n < 0 || (n == 0 && !zeroOK) {
		bound := "above 0"
		if zeroOK {
			bound = "0 or more"
		}
		return 0, usage("portfolio", fmt.Sprintf("The %s must be %s, not %s.", what, bound, clip(s)))
	}
	return n, nil
}

// parseSet parses "NAME SYM1,SYM2,...", "NAME" (show) and "delete NAME".
func parseSet(args string) (*SetSpec, error) {
	fields := strings.Fields(args)
	if len(fields) == 0 {
		return nil, usage("set", "Give the set's name and its tickers.")
	}
	if strings.ToLower(fields[0]) == ActionDelete && len(fields) == 2 && !strings.Contains(fields[1], ",") {
		name, err := parseName("set", fields[1])
		if err != nil {
			return nil, err
		}
		return &SetSpec{Action: ActionDelete, Name: name}, nil
	}
	name, err := parseName("set", fields[0])
	if err != nil {
		return nil, err
	}
	if len(fields) == 1 {
		return &SetSpec{Action: ActionShow, Name: name}, nil
	}
	symbols, err := parseTickers("set", listFields(strings.Join(fields[1:], " ")), maxSetSymbols)
	if err != nil {
		return nil, err
	}
	if len(symbols) == 0 {
		return nil, usage("set", "Give at least one ticker.")
	}
	return &SetSpec{Action: ActionSave, Name: name, Symbols: symbols}, nil
}

package tradingview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/textcheck"
	"github.com/vigilhq/vigil/trading"
)

// Formats of a body.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// maxTicker bounds a ticker read from a body (a ticker action's symbol is
// checked by the actions schema as well).
const maxTicker = 64

// Alert is what one webhook body asks for.
type Alert struct {
	// Format is json or text.
	Format string `json:"format"`
	// Message is the text to notify: the body's message (or text), the
	// plain-text body itself, or one made from ticker, side and price.
	Message string `json:"message"`
	// Ticker is the body's ticker ("" when none), without an exchange
	// prefix ("BINANCE:BTCUSDT" is BTCUSDT).
	Ticker string `json:"ticker,omitempty"`
	// Price is the body's price.
	Price *float64 `json:"price,omitempty"`
	// Side is the body's action (or side), lowercased.
	Side string `json:"side,omitempty"`
	// Actions are the trading-bot actions the body asks for, each with its
	// symbol (the body's ticker unless it names its own).
	Actions []trading.Action `json:"actions,omitempty"`

	// origins say where the body gave each action's fields.
	origins []origin
}

// origin is where a body gave one action's fields.
type origin struct {
	// locs maps a field (bot, side, size_pct, symbol) to its location.
	locs map[string]string
	// sized: the body gave size_pct (0 is then refused, not taken as none).
	sized bool
}

// Problem is one field of a body at fault, in huma's location syntax
// (body.price, body.actions[0].side).
type Problem struct {
	Location string
	Message  string
}

// BodyError lists what is wrong with a body.
type BodyError struct {
	Problems []Problem
}

func (e *BodyError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Location + ": " + p.Message
	}
	return "invalid webhook body: " + strings.Join(parts, "; ")
}

// Parse reads a webhook body. A body sent as application/json must be a
// JSON object; any other body is a JSON object when it parses as one (what
// TradingView sends as text/plain when a message only looks like JSON is
// still read) and plain text otherwise. It returns a *BodyError naming
// each field at fault. The actions it returns still need checking against
// schemas/actions.v1.json (ActionsDocument, Location).
func Parse(contentType string, body []byte) (Alert, error) {
	if err := textcheck.String(string(body)); err != nil {
		return Alert{}, &BodyError{Problems: []Problem{{"body", err.Error()}}}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return Alert{}, &BodyError{Problems: []Problem{{"body", "is empty: send the alert message as text or a JSON object"}}}
	}
	wantJSON := isJSONType(contentType)
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	err := dec.Decode(&doc)
	if err == nil && dec.More() {
		err = fmt.Errorf("unexpected data after the object at offset %d", dec.InputOffset())
	}
	if err != nil || doc == nil {
		if wantJSON {
			msg := "must be a JSON object"
			if err != nil {
				msg += ": " + err.Error()
			}
			return Alert{}, &BodyError{Problems: []Problem{{"body", msg}}}
		}
		return Alert{Format: FormatText, Message: string(trimmed)}, nil
	}
	return fromJSON(doc, trimmed)
}

func isJSONType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

type reader struct {
	doc      map[string]any
	problems []Problem
}

func (r *reader) add(loc, format string, args ...any) {
	r.problems = append(r.problems, Problem{Location: loc, Message: fmt.Sprintf(format, args...)})
}

// text reads a string field; numbers and booleans are taken as written.
func (r *reader) text(key string) (string, bool) {
	v, ok := r.doc[key]
	if !ok || v == nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	r.add("body."+key, "must be a string")
	return "", false
}

// number reads a number field; a string holding a number is taken too
// (a quoted TradingView placeholder such as "{{close}}").
func (r *reader) number(loc string, v any) (float64, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		r.add(loc, "must be a number")
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.add(loc, "must be a number, got %q", s)
		return 0, false
	}
	return f, true
}

func fromJSON(doc map[string]any, raw []byte) (Alert, error) {
	r := &reader{doc: doc}
	a := Alert{Format: FormatJSON}
	msgKey := "message"
	if _, ok := doc[msgKey]; !ok {
		msgKey = "text"
	}
	a.Message, _ = r.text(msgKey)
	if t, ok := r.text("ticker"); ok {
		a.Ticker = normalizeTicker(t)
		if len(a.Ticker) > maxTicker {
			r.add("body.ticker", "must be at most %d characters", maxTicker)
		}
	}
	if v, ok := doc["price"]; ok && v != nil {
		if p, ok := r.number("body.price", v); ok {
			a.Price = &p
		}
	}
	sideKey := "action"
	if _, ok := doc[sideKey]; !ok {
		sideKey = "side"
	}
	if s, ok := r.text(sideKey); ok {
		a.Side = strings.ToLower(strings.TrimSpace(s))
	}

	_, hasBot := doc["bot"]
	list, hasList := doc["actions"]
	switch {
	case hasBot && hasList:
		r.add("body.actions", "give either bot, side and size_pct or a list of actions, not both")
	case hasBot:
		r.topAction(&a, sideKey)
	case hasList:
		r.actionList(&a, list)
	}
	if len(r.problems) > 0 {
		return Alert{}, &BodyError{Problems: r.problems}
	}
	if a.Message == "" {
		a.Message = summary(a, raw)
	}
	return a, nil
}

// topAction reads the one action of a body with bot, side (or action) and
// size_pct at the top level.
func (r *reader) topAction(a *Alert, sideKey string) {
	bot, ok := r.doc["bot"].(string)
	if !ok {
		r.add("body.bot", "must be a string: the trading bot's name")
		return
	}
	act := trading.Action{Bot: bot, Side: a.Side, Symbol: a.Ticker}
	locs := map[string]string{"bot": "body.bot", "side": "body." + sideKey, "symbol": "body.ticker", "size_pct": "body.size_pct"}
	o := origin{locs: locs}
	if v, ok := r.doc["size_pct"]; ok && v != nil {
		o.sized = true
		if f, ok := r.number("body.size_pct", v); ok {
			act.SizePct = f
		}
	}
	if _, ok := r.doc[sideKey]; !ok {
		r.add("body.action", "is required with bot: buy, sell or exit ({{strategy.order.action}})")
	}
	if act.Symbol == "" {
		r.add("body.ticker", "is required with bot: the symbol the bot trades ({{ticker}})")
	}
	a.Actions, a.origins = []trading.Action{act}, []origin{o}
}

// actionList reads "actions": [{bot, side, size_pct, symbol}].
func (r *reader) actionList(a *Alert, v any) {
	items, ok := v.([]any)
	if !ok {
		r.add("body.actions", "must be a list of actions [{\"bot\", \"side\", \"size_pct\"}]")
		return
	}
	for i, it := range items {
		at := fmt.Sprintf("body.actions[%d]", i)
		m, ok := it.(map[string]any)
		if !ok {
			r.add(at, "must be an object {\"bot\", \"side\", \"size_pct\"}")
			continue
		}
		act := trading.Action{Symbol: a.Ticker}
		locs := map[string]string{"bot": at + ".bot", "side": at + ".side", "size_pct": at + ".size_pct", "symbol": "body.ticker"}
		o := origin{locs: locs}
		for k, fv := range m {
			switch k {
			case "bot":
				act.Bot, _ = fv.(string)
			case "side":
				s, _ := fv.(string)
				act.Side = strings.ToLower(strings.TrimSpace(s))
			case "symbol":
				s, _ := fv.(string)
				act.Symbol, locs["symbol"] = normalizeTicker(s), at+".symbol"
			case "size_pct":
				o.sized = true
				if f, ok := r.number(at+".size_pct", fv); ok {
					act.SizePct = f
				}
			default:
				r.add(at+"."+k, "unknown property %q (allowed: bot, side, size_pct, symbol)", k)
			}
		}
		if act.Symbol == "" {
			r.add(at+".symbol", "is required when the body has no ticker: the symbol the bot trades")
		}
		a.Actions, a.origins = append(a.Actions, act), append(a.origins, o)
	}
}

// ActionsDocument is the JSON the actions schema checks: the body's
// actions as {bot, side, size_pct, symbol} objects (size_pct left out
// when the body gave none).
func (a Alert) ActionsDocument() []byte {
	docs := make([]map[string]any, len(a.Actions))
	for i, act := range a.Actions {
		d := map[string]any{"bot": act.Bot, "side": act.Side, "symbol": act.Symbol}
		if i < len(a.origins) && a.origins[i].sized {
			d["size_pct"] = act.SizePct
		}
		docs[i] = d
	}
	b, _ := json.Marshal(docs)
	return b
}

// Location maps a JSON pointer into ActionsDocument (/0/side) to where the
// body gave that value (body.side, body.actions[0].side).
func (a Alert) Location(pointer string) string {
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		if len(a.origins) == 1 && a.origins[0].locs["bot"] == "body.bot" {
			return "body.bot"
		}
		return "body.actions"
	}
	i, err := strconv.Atoi(parts[0])
	if err != nil || i < 0 || i >= len(a.origins) {
		return "body.actions"
	}
	locs := a.origins[i].locs
	if len(parts) > 1 {
		if loc, ok := locs[parts[1]]; ok {
			return loc
		}
	}
	if locs["bot"] == "body.bot" {
		return "body"
	}
	return fmt.Sprintf("body.actions[%d]", i)
}

// normalizeTicker drops an exchange prefix and spaces and uppercases.
func normalizeTicker(t string) string {
	t = strings.TrimSpace(t)
	if i := strings.LastIndexByte(t, ':'); i >= 0 {
		t = t[i+1:]
	}
	return strings.ToUpper(t)
}

// summary is the message of a JSON body without one: "TradingView: AAPL buy
// at 187.5", or the body itself when it names none of those.
func summary(a Alert, raw []byte) string {
	var parts []string
	for _, s := range []string{a.Ticker, a.Side} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if a.Price != nil {
		parts = append(parts, "at "+strconv.FormatFloat(*a.Price, 'f', -1, 64))
	}
	if len(parts) == 0 {
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			return "TradingView: " + buf.String()
		}
		return "TradingView: " + string(raw)
	}
	return "TradingView: " + strings.Join(parts, " ")
}

// Package alpacatest is a local stand-in for Alpaca's trading API (the
// endpoints broker/alpaca uses), speaking its documented JSON: POST
// /v2/orders, GET /v2/orders/{id}, GET /v2/orders:by_client_order_id, DELETE
// /v2/orders/{id}, GET /v2/account, GET /v2/positions, authenticated by the
// APCA-API-KEY-ID and APCA-API-SECRET-KEY headers, errors as
// {"code": 40310000, "message": "insufficient buying power"}.
//
// It keeps one cash account: orders fill at the price the test sets for
// their symbol (SetPrice), after FillAfterPolls reads of the order, whole
// or (PartialFill) in two halves, and cash and positions follow. Faults
// (Inject) answer a request with a given status (429 with Retry-After,
// 500, 503, ...) before, or after, the request takes effect.
package alpacatest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Options configure a Server.
type Options struct {
	KeyID, SecretKey string
	// Cash is the account's starting cash (default 100000).
	Cash decimal.Decimal
	// FillAfterPolls is how many reads of an open order come before the
	// read that fills it (0: the first read fills it).
	FillAfterPolls int
	// PartialFill fills half the quantity (rounded down to a unit) at the
	// first fill and the rest at the next read.
	PartialFill bool
}

// Fault is an injected answer to the next Times requests matching Method
// and Path (Path "/v2/orders" matches exactly; a Path ending in "*" is a
// prefix).
type Fault struct {
	Method, Path string
	Status       int
	// RetryAfter is the Retry-After header's value ("" none).
	RetryAfter string
	// Body is the answer's body (default {"code": Status × 100000,
	// "message": the status text}).
	Body string
	// After applies the request first, then answers with the fault (a
	// response lost after the order was placed).
	After bool
	Times int
}

// Request is one request the server received.
type Request struct {
	Method, Path, Query string
	Body                []byte
	At                  time.Time
}

// Server is the stand-in; URL is its base URL (for alpaca.Config.BaseURL).
type Server struct {
	*httptest.Server
	opts Options

	mu        sync.Mutex
	cash      decimal.Decimal
	prices    map[string]decimal.Decimal
	orders    []*order
	positions map[string]*position
	faults    []*Fault
	requests  []Request
}

type order struct {
	ID             string           `json:"id"`
	ClientOrderID  string           `json:"client_order_id"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
	SubmittedAt    time.Time        `json:"submitted_at"`
	FilledAt       *time.Time       `json:"filled_at"`
	ExpiredAt      *time.Time       `json:"expired_at"`
	CanceledAt     *time.Time       `json:"canceled_at"`
	FailedAt       *time.Time       `json:"failed_at"`
	ReplacedAt     *time.Time       `json:"replaced_at"`
	ReplacedBy     *string          `json:"replaced_by"`
	Replaces       *string          `json:"replaces"`
	AssetID        string           `json:"asset_id"`
	Symbol         string           `json:"symbol"`
	AssetClass     string           `json:"asset_class"`
	Notional       *decimal.Decimal `json:"notional"`
	Qty            *decimal.Decimal `json:"qty"`
	FilledQty      decimal.Decimal  `json:"filled_qty"`
	FilledAvgPrice *decimal.Decimal `json:"filled_avg_price"`
	OrderClass     string           `json:"order_class"`
	OrderType      string           `json:"order_type"`
	Type           string           `json:"type"`
	Side           string           `json:"side"`
	TimeInForce    string           `json:"time_in_force"`
	LimitPrice     *decimal.Decimal `json:"limit_price"`
	StopPrice      *decimal.Decimal `json:"stop_price"`
	Status         string           `json:"status"`
	ExtendedHours  bool             `json:"extended_hours"`
	Legs           []order          `json:"legs"`
	TrailPercent   *decimal.Decimal `json:"trail_percent"`
	TrailPrice     *decimal.Decimal `json:"trail_price"`
	HWM            *decimal.Decimal `json:"hwm"`

	polls     int
	triggered bool
	notional  decimal.Decimal // filled_qty × price, summed over the fills
}

type position struct {
	qty, cost decimal.Decimal
}

// New starts a stand-in closed when t ends.
func New(t testing.TB, o Options) *Server {
	if o.KeyID == "" {
		o.KeyID, o.SecretKey = "PKTEST", "secret-test"
	}
	if o.Cash.IsZero() {
		o.Cash = decimal.NewFromInt(100000)
	}
	s := &Server{opts: o, cash: o.Cash, prices: map[string]decimal.Decimal{}, positions: map[string]*position{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// KeyID and SecretKey are the credentials the server accepts.
func (s *Server) KeyID() string     { return s.opts.KeyID }
func (s *Server) SecretKey() string { return s.opts.SecretKey }

// SetPrice sets the price symbol's orders fill at (and its positions are
// valued at).
func (s *Server) SetPrice(symbol string, price decimal.Decimal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prices[symbol] = price
}

// Inject queues a fault.
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Requests returns the requests received, oldest first, optionally only
// those of method and path ("" for any).
func (s *Server) Requests(method, path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if (method == "" || r.Method == method) && (path == "" || r.Path == path) {
			out = append(out, r)
		}
	}
	return out
}

// Cash is the account's cash.
func (s *Server) Cash() decimal.Decimal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cash
}

// Holding is a position as the server holds it.
type Holding struct {
	Qty, AvgEntryPrice decimal.Decimal
}

// Holdings returns the positions by symbol.
func (s *Server) Holdings() map[string]Holding {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Holding{}
	for sym, p := range s.positions {
		out[sym] = Holding{Qty: p.qty, AvgEntryPrice: p.cost.DivRound(p.qty, 8)}
	}
	return out
}

// OrderCount is how many orders were placed (accepted).
func (s *Server) OrderCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// OrderStatus is the status and filled quantity of the order placed under
// clientOrderID ("" when there is none).
func (s *Server) OrderStatus(clientOrderID string) (string, decimal.Decimal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orders {
		if o.ClientOrderID == clientOrderID {
			return o.Status, o.FilledQty
		}
	}
	return "", decimal.Zero
}

// Expire marks the open order placed under clientOrderID expired (a day
// order at the close).
func (s *Server) Expire(clientOrderID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orders {
		if o.ClientOrderID == clientOrderID && !final(o.Status) {
			now := time.Now().UTC()
			o.Status, o.ExpiredAt, o.UpdatedAt = "expired", &now, now
		}
	}
}

func final(status string) bool {
	switch status {
	case "filled", "canceled", "expired", "rejected":
		return true
	}
	return false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body := make([]byte, 0, 256)
	if r.Body != nil {
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			body = append(body, buf[:n]...)
			if err != nil {
				break
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body, At: time.Now()})
	if r.Header.Get("APCA-API-KEY-ID") != s.opts.KeyID || r.Header.Get("APCA-API-SECRET-KEY") != s.opts.SecretKey {
		writeError(w, http.StatusUnauthorized, 40110000, "request is not authorized")
		return
	}
	f := s.fault(r.Method, r.URL.Path)
	if f != nil && !f.After {
		s.writeFault(w, f)
		return
	}
	rec := &recorder{header: http.Header{}}
	s.route(rec, r, body)
	if f != nil {
		s.writeFault(w, f)
		return
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body)
}

// recorder buffers a routed answer, so that an After fault can replace it.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}
func (r *recorder) WriteHeader(status int) { r.status = status }

func (s *Server) fault(method, path string) *Fault {
	for i, f := range s.faults {
		match := f.Method == "" || f.Method == method
		if p, ok := strings.CutSuffix(f.Path, "*"); ok {
			match = match && strings.HasPrefix(path, p)
		} else {
			match = match && (f.Path == "" || f.Path == path)
		}
		if !match {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

func (s *Server) writeFault(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	writeError(w, f.Status, f.Status*100000, http.StatusText(f.Status))
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && p == "/v2/orders":
		s.place(w, body)
	case r.Method == http.MethodGet && p == "/v2/orders:by_client_order_id":
		id := r.URL.Query().Get("client_order_id")
		for _, o := range s.orders {
			if o.ClientOrderID == id {
				s.poll(o)
				writeJSON(w, http.StatusOK, o)
				return
			}
		}
		writeError(w, http.StatusNotFound, 40410000, "order not found for "+id)
	case strings.HasPrefix(p, "/v2/orders/"):
		id := strings.TrimPrefix(p, "/v2/orders/")
		var o *order
		for _, x := range s.orders {
			if x.ID == id {
				o = x
			}
		}
		if o == nil {
			writeError(w, http.StatusNotFound, 40410000, "order not found")
			return
		}
		switch r.Method {
		case http.MethodGet:
			s.poll(o)
			writeJSON(w, http.StatusOK, o)
		case http.MethodDelete:
			if final(o.Status) {
				writeError(w, http.StatusUnprocessableEntity, 42210000, "order is not cancelable")
				return
			}
			now := time.Now().UTC()
			o.Status, o.CanceledAt, o.UpdatedAt = "canceled", &now, now
			w.WriteHeader(http.StatusNoContent)
		default:
			writeError(w, http.StatusMethodNotAllowed, 40500000, "method not allowed")
		}
	case r.Method == http.MethodGet && p == "/v2/account":
		eq := s.cash
		for sym, pos := range s.positions {
			eq = eq.Add(pos.qty.Mul(s.prices[sym]))
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": "acc-test", "account_number": "PA0000TEST", "status": "ACTIVE",
			"currency": "USD", "cash": s.cash, "buying_power": s.cash, "non_marginable_buying_power": s.cash,
			"equity": eq, "last_equity": eq, "portfolio_value": eq, "multiplier": "1", "pattern_day_trader": false,
			"trading_blocked": false, "account_blocked": false, "created_at": "2024-01-02T15:04:05Z"})
	case r.Method == http.MethodGet && p == "/v2/positions":
		out := []map[string]any{}
		for sym, pos := range s.positions {
			price := s.prices[sym]
			out = append(out, map[string]any{"asset_id": "asset-" + sym, "symbol": sym, "exchange": "NASDAQ",
				"asset_class": "us_equity", "qty": pos.qty, "qty_available": pos.qty, "side": "long",
				"avg_entry_price": pos.cost.DivRound(pos.qty, 8), "cost_basis": pos.cost, "current_price": price,
				"market_value": pos.qty.Mul(price), "unrealized_pl": pos.qty.Mul(price).Sub(pos.cost)})
		}
		writeJSON(w, http.StatusOK, out)
	default:
		writeError(w, http.StatusNotFound, 40410000, "endpoint not found")
	}
}

type placeRequest struct {
	Symbol        string           `json:"symbol"`
	Qty           *decimal.Decimal `json:"qty"`
	Notional      *decimal.Decimal `json:"notional"`
	Side          string           `json:"side"`
	Type          string           `json:"type"`
	TimeInForce   string           `json:"time_in_force"`
	LimitPrice    *decimal.Decimal `json:"limit_price"`
	StopPrice     *decimal.Decimal `json:"stop_price"`
	ClientOrderID string           `json:"client_order_id"`
}

func (s *Server) place(w http.ResponseWriter, body []byte) {
	var req placeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusUnprocessableEntity, 40010000, "request body format is invalid: "+err.Error())
		return
	}
	price, known := s.prices[req.Symbol]
	switch {
	case !known:
		writeError(w, http.StatusUnprocessableEntity, 40010001, fmt.Sprintf("asset %q not found", req.Symbol))
		return
	case req.Side != "buy" && req.Side != "sell":
		writeError(w, http.StatusUnprocessableEntity, 40010001, "invalid side")
		return
	case req.Qty == nil || !req.Qty.IsPositive():
		writeError(w, http.StatusUnprocessableEntity, 40010001, "qty must be > 0")
		return
	case req.TimeInForce != "day" && req.TimeInForce != "gtc":
		writeError(w, http.StatusUnprocessableEntity, 40010001, "invalid time_in_force")
		return
	}
	switch req.Type {
	case "market":
	case "limit":
		if req.LimitPrice == nil {
			writeError(w, http.StatusUnprocessableEntity, 40010001, "limit_price is required for limit orders")
			return
		}
	case "stop":
		if req.StopPrice == nil {
			writeError(w, http.StatusUnprocessableEntity, 40010001, "stop_price is required for stop orders")
			return
		}
	case "stop_limit":
		if req.StopPrice == nil || req.LimitPrice == nil {
			writeError(w, http.StatusUnprocessableEntity, 40010001, "stop_price and limit_price are required for stop_limit orders")
			return
		}
	default:
		writeError(w, http.StatusUnprocessableEntity, 40010001, "invalid order type")
		return
	}
	if req.ClientOrderID != "" {
		for _, o := range s.orders {
			if o.ClientOrderID == req.ClientOrderID {
				writeError(w, http.StatusUnprocessableEntity, 40010001, "client_order_id must be unique")
				return
			}
		}
	}
	if req.Side == "buy" {
		est := price
		if req.LimitPrice != nil {
			est = *req.LimitPrice
		}
		if req.Qty.Mul(est).GreaterThan(s.cash.Sub(s.reserved())) {
			writeError(w, http.StatusForbidden, 40310000, "insufficient buying power")
			return
		}
	} else {
		held := decimal.Zero
		if p := s.positions[req.Symbol]; p != nil {
			held = p.qty
		}
		if avail := held.Sub(s.pendingSells(req.Symbol)); req.Qty.GreaterThan(avail) {
			writeError(w, http.StatusForbidden, 40310000, fmt.Sprintf("insufficient qty available for order (requested: %s, available: %s)",
				req.Qty, avail))
			return
		}
	}
	now := time.Now().UTC()
	o := &order{ID: newID(), ClientOrderID: req.ClientOrderID, CreatedAt: now, UpdatedAt: now, SubmittedAt: now,
		AssetID: "asset-" + req.Symbol, Symbol: req.Symbol, AssetClass: "us_equity", Qty: req.Qty, FilledQty: decimal.Zero,
		OrderType: req.Type, Type: req.Type, Side: req.Side, TimeInForce: req.TimeInForce, LimitPrice: req.LimitPrice,
		StopPrice: req.StopPrice, Status: "accepted"}
	if o.ClientOrderID == "" {
		o.ClientOrderID = newID()
	}
	s.orders = append(s.orders, o)
	writeJSON(w, http.StatusOK, o)
}

// reserved is the cash open buys may spend (their remaining quantity at
// the current price, or at the limit).
func (s *Server) reserved() decimal.Decimal {
	sum := decimal.Zero
	for _, o := range s.orders {
		if o.Side != "buy" || final(o.Status) {
			continue
		}
		est := s.prices[o.Symbol]
		if o.LimitPrice != nil {
			est = *o.LimitPrice
		}
		sum = sum.Add(o.Qty.Sub(o.FilledQty).Mul(est))
	}
	return sum
}

func (s *Server) pendingSells(symbol string) decimal.Decimal {
	sum := decimal.Zero
	for _, o := range s.orders {
		if o.Side == "sell" && o.Symbol == symbol && !final(o.Status) {
			sum = sum.Add(o.Qty.Sub(o.FilledQty))
		}
	}
	return sum
}

// poll is one read of o: it fills when its polls are done and its price
// condition holds.
func (s *Server) poll(o *order) {
	if final(o.Status) {
		return
	}
	o.polls++
	if o.polls <= s.opts.FillAfterPolls {
		return
	}
	price := s.prices[o.Symbol]
	buy := o.Side == "buy"
	switch o.Type {
	case "limit":
		if (buy && price.GreaterThan(*o.LimitPrice)) || (!buy && price.LessThan(*o.LimitPrice)) {
			return
		}
	case "stop", "stop_limit":
		if !o.triggered {
			if (buy && price.LessThan(*o.StopPrice)) || (!buy && price.GreaterThan(*o.StopPrice)) {
				return
			}
			o.triggered = true
		}
		if o.Type == "stop_limit" && ((buy && price.GreaterThan(*o.LimitPrice)) || (!buy && price.LessThan(*o.LimitPrice))) {
			return
		}
	}
	left := o.Qty.Sub(o.FilledQty)
	qty := left
	if s.opts.PartialFill && o.FilledQty.IsZero() {
		if half := left.Div(decimal.NewFromInt(2)).Floor(); half.IsPositive() {
			qty = half
		}
	}
	s.execute(o, qty, price)
}

func (s *Server) execute(o *order, qty, price decimal.Decimal) {
	notional := qty.Mul(price)
	pos := s.positions[o.Symbol]
	if o.Side == "buy" {
		s.cash = s.cash.Sub(notional)
		if pos == nil {
			pos = &position{}
			s.positions[o.Symbol] = pos
		}
		pos.qty, pos.cost = pos.qty.Add(qty), pos.cost.Add(notional)
	} else {
		s.cash = s.cash.Add(notional)
		avg := pos.cost.Div(pos.qty)
		pos.qty = pos.qty.Sub(qty)
		pos.cost = pos.cost.Sub(avg.Mul(qty))
		if !pos.qty.IsPositive() {
			delete(s.positions, o.Symbol)
		}
	}
	o.notional = o.notional.Add(notional)
	o.FilledQty = o.FilledQty.Add(qty)
	avg := o.notional.DivRound(o.FilledQty, 8)
	now := time.Now().UTC()
	o.FilledAvgPrice, o.UpdatedAt = &avg, now
	if o.FilledQty.Equal(*o.Qty) {
		o.Status, o.FilledAt = "filled", &now
	} else {
		o.Status = "partially_filled"
	}
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

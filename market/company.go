package market

import (
	"hash/fnv"
	"math"
)

// Company is the synthetic model of one listed company: the price level its
// synthetic price path wanders around and its shares outstanding, so that
// synthetic bars and synthetic fundamentals agree (market cap = price ×
// shares). It is a pure function of the symbol, the same in every process.
type Company struct {
	Price  float64 // price level in USD
	Shares float64 // shares outstanding
}

// MarketCap is Price × Shares.
func (c Company) MarketCap() float64 { return c.Price * c.Shares }

// Synthetic market-cap distribution for symbols not in knownCompanies:
// log-normal with median 35e9 USD and log standard deviation 0.9, so that
// about nine in ten lie between 10e9 and 200e9, clamped to [2e9, 6e11] so the
// mega caps are the real ones below.
const (
	companyMedianCap = 35e9
	companyLogSigma  = 0.9
	companyMinCap    = 2e9
	companyMaxCap    = 6e11
	companyMinPrice  = 15
	companyMaxPrice  = 600
)

// knownCompanies are approximate real figures (price in USD, shares
// outstanding) for the largest US listings, as of late 2025, rounded: enough
// for a demo screener's top ten to read like a real one. Not market data.
var knownCompanies = map[string]Company{
	"AAPL":  {230, 15.0e9},
	"MSFT":  {420, 7.43e9},
	"NVDA":  {140, 24.4e9},
	"AMZN":  {190, 10.5e9},
	"GOOGL": {170, 5.8e9},
	"GOOG":  {172, 5.5e9},
	"META":  {560, 2.52e9},
	"BRK.B": {460, 2.16e9},
	"BRK-B": {460, 2.16e9},
	"AVGO":  {170, 4.7e9},
	"TSLA":  {250, 3.2e9},
	"LLY":   {800, 0.95e9},
	"JPM":   {220, 2.8e9},
	"WMT":   {80, 8.0e9},
	"V":     {280, 1.95e9},
	"XOM":   {115, 4.4e9},
	"UNH":   {550, 0.92e9},
	"MA":    {500, 0.92e9},
	"ORCL":  {170, 2.8e9},
	"COST":  {900, 0.44e9},
	"HD":    {400, 0.99e9},
	"PG":    {165, 2.36e9},
	"JNJ":   {155, 2.4e9},
	"NFLX":  {700, 0.43e9},
	"BAC":   {42, 7.8e9},
	"KO":    {68, 4.3e9},
}

// CompanyOf returns the synthetic company model of a normalised symbol: the
// approximate real figures for a few well-known symbols, otherwise a price
// level log-uniform in [15, 600) USD and a log-normal market cap, both drawn
// from a hash of the symbol.
func CompanyOf(symbol string) Company {
	if c, ok := knownCompanies[symbol]; ok {
		return c
	}
	h := fnv.New64a()
	h.Write([]byte("company:" + symbol))
	k := h.Sum64()
	u1, u2, u3 := unitHash(k, 1), unitHash(k, 2), unitHash(k, 3)
	price := companyMinPrice * math.Pow(companyMaxPrice/companyMinPrice, u1)
	// Box–Muller: a standard normal from two uniforms.
	z := math.Sqrt(-2*math.Log(1-u2)) * math.Cos(2*math.Pi*u3)
	capital := companyMedianCap * math.Exp(companyLogSigma*z)
	capital = min(max(capital, companyMinCap), companyMaxCap)
	price = math.Round(price*100) / 100
	return Company{Price: price, Shares: math.Round(capital / price)}
}

// unitHash maps (k, i) to [0, 1) with SplitMix64's finalizer.
func unitHash(k, i uint64) float64 {
	x := k ^ (i * 0x9e3779b97f4a7c15)
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

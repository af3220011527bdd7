package market

import "time"

// Fundamentals are one symbol's figures. Unknown numbers are NaN (as in the
// indicators package); unknown strings are empty.
type Fundamentals struct {
	Symbol    string    // as asked for (upper case)
	Name      string    // company name
	MarketCap float64   // market capitalisation in Currency; NaN when unknown
	PERatio   float64   // trailing price/earnings; NaN when unknown or earnings negative
	AvgVolume float64   // average daily volume in shares (about three months); NaN when unknown
	Sector    string    // e.g. "Information Technology"
	Currency  string    // ISO code, e.g. "USD"
	AsOf      time.Time // when the provider produced the figures, UTC
}

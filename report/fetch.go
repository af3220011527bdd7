package report

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/vigilhq/vigil/bars"
)

// fetched is the outcome of fetching a report's symbols: the series of those
// that have data and the rest, in request order.
type fetched struct {
	series  map[string]bars.Series
	missing []Missing
}

// fetchAll calls data once for each of symbols (which must be distinct),
// with at most req.Concurrency calls in flight, asking for the latest n
// bars. A failed or empty fetch becomes a Missing; only the end of ctx is
// an error.
func fetchAll(ctx context.Context, req Request, data Data, symbols []string, n int) (fetched, error) {
	type result struct {
		series bars.Series
		reason string
	}
	results := make([]result, len(symbols))
	sem := make(chan struct{}, req.Concurrency)
	var wg sync.WaitGroup
	for i, sym := range symbols {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			s, err := data(ctx, sym, req.Timeframe, n)
			if err != nil {
				results[i].reason = truncate(err.Error(), maxReason)
				return
			}
			s = clean(s, n)
			if len(s) == 0 {
				results[i].reason = "no bars"
				return
			}
			results[i].series = s
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fetched{}, fmt.Errorf("fetch bars: %w", err)
	}

	f := fetched{series: make(map[string]bars.Series, len(symbols)), missing: []Missing{}}
	for i, sym := range symbols {
		if r := results[i]; r.series != nil {
			f.series[sym] = r.series
		} else {
			f.missing = append(f.missing, Missing{Symbol: sym, Reason: r.reason})
		}
	}
	return f, nil
}

// clean returns the latest n bars of s in ascending time order, sorting a
// copy when s is out of order (the caller's series is never modified).
func clean(s bars.Series, n int) bars.Series {
	less := func(a, b bars.Bar) int { return a.Time.Compare(b.Time) }
	if !slices.IsSortedFunc(s, less) {
		s = slices.Clone(s)
		slices.SortStableFunc(s, less)
	}
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

// truncate shortens s to at most n runes, marking a cut with "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

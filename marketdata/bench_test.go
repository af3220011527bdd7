package marketdata

import (
	"context"
	"testing"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// BenchmarkManagerBarsCacheHit measures what an alert pays for its bars once
// another alert on the same symbol has fetched them.
func BenchmarkManagerBarsCacheHit(b *testing.B) {
	ctx := context.Background()
	m := NewManager(&Synthetic{Now: clock(fixedNow)}, nil, time.Minute, nil)
	if _, err := m.Bars(ctx, "AAPL", bars.M5, 200, fixedNow); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Bars(ctx, "AAPL", bars.M5, 200, fixedNow); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := m.Bars(ctx, "AAPL", bars.M5, 200, fixedNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	if m.Fetches() != 1 {
		b.Fatalf("%d fetches, want 1", m.Fetches())
	}
}

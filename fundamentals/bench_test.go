package fundamentals

import (
	"context"
	"testing"
	"time"
)

// BenchmarkManagerGet measures Get of 500 symbols (an S&P 500 screen) on the
// synthetic provider: Cold fetches every symbol (10 batches of 50), Warm
// serves them from memory.
func BenchmarkManagerGet(b *testing.B) {
	syms := symbolsN(500)
	ctx := context.Background()

	b.Run("Cold500", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := NewManager(&Synthetic{}, nil, DefaultTTL, nil)
			if got, err := m.Get(ctx, syms); err != nil || len(got) != len(syms) {
				b.Fatalf("got %d, %v", len(got), err)
			}
		}
	})

	b.Run("Warm500", func(b *testing.B) {
		m := NewManager(&Synthetic{}, nil, time.Hour, nil)
		if _, err := m.Get(ctx, syms); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if got, err := m.Get(ctx, syms); err != nil || len(got) != len(syms) {
				b.Fatalf("got %d, %v", len(got), err)
			}
		}
	})
}

package indicators

import "testing"

// benchBars is a 10k-bar random walk for benchmarks.
func benchBars(b *testing.B) bars {
	b.Helper()
	return randomBars(10_000, 7)
}

func BenchmarkSMA(b *testing.B) {
	x := benchBars(b).close
	for b.Loop() {
		if _, err := SMA(x, 20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEMA(b *testing.B) {
	x := benchBars(b).close
	for b.Loop() {
		if _, err := EMA(x, 20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRSI(b *testing.B) {
	x := benchBars(b).close
	for b.Loop() {
		if _, err := RSI(x, 14); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBollinger(b *testing.B) {
	x := benchBars(b).close
	for b.Loop() {
		if _, err := Bollinger(x, 20, 2); err != nil {
			b.Fatal(err)
		}
	}
}

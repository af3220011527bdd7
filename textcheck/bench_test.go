package textcheck

import (
	"strings"
	"testing"
)

// A schedule-sized request body: the fast path (nothing to report) and the
// slow path (a \u escape sends it through the scanner).
var (
	benchClean = []byte(`{"name":"AAPL above 150","job_type":"alert","target":"AAPL","cron":"0 9 * * 1-5","timezone":"America/New_York",` +
		`"task_params":{"ticker":"AAPL","rule":{"indicator":"close","operator":">","value":150},"notify":{"channels":["telegram"]}},` +
		`"note":"` + strings.Repeat("x", 400) + `"}`)
	benchEscaped = []byte(strings.Replace(string(benchClean), "above", `\u00e9bove`, 1))
	benchNUL     = []byte(strings.Replace(string(benchClean), "above", `\u0000bove`, 1))
)

func BenchmarkTextJSON(b *testing.B) {
	for _, c := range []struct {
		name string
		doc  []byte
	}{{"clean", benchClean}, {"escaped", benchEscaped}, {"nul", benchNUL}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.doc)))
			for b.Loop() {
				_ = JSON(c.doc, 20)
			}
		})
	}
}

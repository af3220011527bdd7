package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/vigilhq/vigil"

// pure are the domain packages that must stay free of I/O frameworks
// (STYLE.md rule 1, issue 11 item 5; trading: issue 12).
var pure = []string{"screener", "alerts", "indicators", "schedule", "report", "market", "trading", "tradingview"}

// forbidden reports whether a pure package may not depend on path: the
// database driver, the job queue, the HTTP framework and net/http itself.
func forbidden(path string) bool {
	for _, prefix := range []string{"github.com/jackc/pgx", "github.com/riverqueue/river", "github.com/danielgtaylor/huma"} {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			return true
		}
	}
	return path == "net/http" || strings.HasPrefix(path, "net/http/")
}

// listed is one package of `go list -json`.
type listed struct {
	ImportPath string
	Standard   bool
	Imports    []string
}

// deps runs `go list -deps -json pkg` and returns its packages by import
// path.
func deps(t *testing.T, pkg string) map[string]listed {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("find the go command: %v", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(goBin, "list", "-deps", "-json", pkg)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps -json %s: %v\n%s", pkg, err, stderr.String())
	}
	byPath := map[string]listed{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output for %s: %v", pkg, err)
		}
		byPath[p.ImportPath] = p
	}
	if _, ok := byPath[pkg]; !ok {
		t.Fatalf("go list -deps %s did not list the package itself", pkg)
	}
	return byPath
}

// violations returns, for every package of graph that bad rejects, the
// shortest import chain from root to it ("screener → fundamentals →
// net/http"), in the order they are found.
func violations(graph map[string]listed, root string, bad func(string) bool) []string {
	prev := map[string]string{root: ""}
	queue := []string{root}
	var found []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if bad(p) {
			var chain []string
			for q := p; q != ""; q = prev[q] {
				chain = append([]string{strings.TrimPrefix(q, module+"/")}, chain...)
			}
			found = append(found, strings.Join(chain, " → "))
			continue // what it imports in turn is its own problem
		}
		for _, imp := range graph[p].Imports {
			if _, seen := prev[imp]; !seen {
				prev[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return found
}

// TestPurePackagesImportNoIO is the rule of issue 11 item 5: `go list -deps`
// of screener, alerts, indicators, schedule, report and market contains none
// of pgx, River, huma or net/http.
func TestPurePackagesImportNoIO(t *testing.T) {
	t.Parallel()
	for _, name := range pure {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pkg := module + "/" + name
			for _, v := range violations(deps(t, pkg), pkg, forbidden) {
				t.Errorf("package %s must not import %s (chain: %s)", name, v[strings.LastIndex(v, " ")+1:], v)
			}
		})
	}
}

// TestMarketIsALeaf keeps market importable from anywhere: it imports the
// standard library only.
func TestMarketIsALeaf(t *testing.T) {
	t.Parallel()
	pkg := module + "/market"
	graph := deps(t, pkg)
	nonStd := func(p string) bool { return p != pkg && !graph[p].Standard }
	for _, v := range violations(graph, pkg, nonStd) {
		t.Errorf("package market must import only the standard library (chain: %s)", v)
	}
}

// TestOutcomeIsALeaf keeps health/outcome importable from the channels and
// the providers (notify, marketdata): it imports the standard library only.
func TestOutcomeIsALeaf(t *testing.T) {
	t.Parallel()
	pkg := module + "/health/outcome"
	graph := deps(t, pkg)
	nonStd := func(p string) bool { return p != pkg && !graph[p].Standard }
	for _, v := range violations(graph, pkg, nonStd) {
		t.Errorf("package health/outcome must import only the standard library (chain: %s)", v)
	}
}

// TestProvidersDoNoDatabaseIO keeps the market-data and fundamentals
// providers free of the database and the job queue: their stores are in
// db/store (they may use net/http, to reach their providers).
func TestProvidersDoNoDatabaseIO(t *testing.T) {
	t.Parallel()
	database := func(p string) bool { return forbidden(p) && p != "net/http" && !strings.HasPrefix(p, "net/http/") }
	for _, name := range []string{"marketdata", "fundamentals"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pkg := module + "/" + name
			for _, v := range violations(deps(t, pkg), pkg, database) {
				t.Errorf("package %s must not import %s (chain: %s)", name, v[strings.LastIndex(v, " ")+1:], v)
			}
		})
	}
}

// TestViolationsAreFound guards the guard: db/store talks to PostgreSQL and,
// through the providers it stores for, HTTP, so the check must name pgx and net/http for it,
// with the chains.
func TestViolationsAreFound(t *testing.T) {
	t.Parallel()
	pkg := module + "/db/store"
	got := violations(deps(t, pkg), pkg, forbidden)
	joined := strings.Join(got, "\n")
	if !strings.Contains(joined+"\n", " → net/http\n") {
		t.Errorf("want a chain from db/store to net/http (through a provider), got:\n%s", joined)
	}
	if !strings.Contains(joined, "db/store → github.com/jackc/pgx/v5/pgxpool") {
		t.Errorf("want a chain db/store → pgxpool, got:\n%s", joined)
	}
}

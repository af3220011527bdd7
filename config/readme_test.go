package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const readmePath = "../README.md"

// readmeHeader starts the settings table in the README's Configuration section.
const readmeHeader = "| Key (JSON) | Environment | Default | Description |\n|---|---|---|---|\n"

// markdownTable renders Table as the README's settings table rows.
func markdownTable() string {
	var b strings.Builder
	for _, s := range Table() {
		env := ""
		if s.Env != "" {
			env = "`" + strings.ReplaceAll(s.Env, ", ", "`, `") + "`"
		}
		def := s.Default
		if def == "" {
			def = "(empty)"
		}
		b.WriteString("| `" + s.Key + "` | " + env + " | `" + def + "` | " + s.Description + " |\n")
	}
	return b.String()
}

// The README's settings table is Table; -update rewrites it
// (go test ./config -run TestShipped -update).
func TestShippedREADMETable(t *testing.T) {
	parallelUnlessUpdating(t)
	data, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	doc := string(data)
	start := strings.Index(doc, readmeHeader)
	require.GreaterOrEqual(t, start, 0, "README has no settings table header %q", readmeHeader)
	start += len(readmeHeader)
	end := start
	for end < len(doc) && strings.HasPrefix(doc[end:], "|") {
		end += strings.IndexByte(doc[end:], '\n') + 1
	}
	want := markdownTable()
	if *update {
		require.NoError(t, os.WriteFile(readmePath, []byte(doc[:start]+want+doc[end:]), 0o644))
		return
	}
	require.Equal(t, want, doc[start:end], "README settings table differs from Table (go test ./config -run TestShipped -update)")
}

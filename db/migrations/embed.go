// Package migrations embeds Vigil's SQL migrations (goose format).
package migrations

import "embed"

// FS holds the numbered migration files.
//
//go:embed *.sql
var FS embed.FS

// Command openapi-dump writes the API's OpenAPI documents without a database
// or a server: the 3.1 form (what /openapi.json serves) and the 3.0 form
// (/openapi-3.0.json), for linting and client generation.
//
//	go run ./api/cmd/openapi-dump -o openapi.json -o30 openapi-3.0.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/vigilhq/vigil/api"
)

func main() {
	out31 := flag.String("o", "", "write the OpenAPI 3.1 document (JSON) to this file")
	out30 := flag.String("o30", "", "write the OpenAPI 3.0 document (JSON) to this file")
	flag.Parse()
	if *out31 == "" && *out30 == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: openapi-dump [-o FILE] [-o30 FILE]")
		os.Exit(2)
	}
	if err := run(*out31, *out30); err != nil {
		fmt.Fprintln(os.Stderr, "openapi-dump:", err)
		os.Exit(1)
	}
}

func run(out31, out30 string) error {
	doc := api.OpenAPI()
	if out31 != "" {
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return fmt.Errorf("encode OpenAPI 3.1: %w", err)
		}
		if err := os.WriteFile(out31, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if out30 != "" {
		raw, err := doc.Downgrade()
		if err != nil {
			return fmt.Errorf("downgrade to OpenAPI 3.0: %w", err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("decode OpenAPI 3.0: %w", err)
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("encode OpenAPI 3.0: %w", err)
		}
		if err := os.WriteFile(out30, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

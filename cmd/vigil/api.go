package main

import "context"

// cmdAPI runs the HTTP API alone: an insert-only River client enqueues, and
// the API listener serves /api/..., /openapi.json, /docs and /riverui/ until
// Ctrl-C. Its status listener is off unless --status-addr is given (the API
// has its own health endpoints).
func cmdAPI(ctx context.Context, e *env, args []string) error {
	return runRoles(ctx, e, args, "api",
		"run the HTTP API role: /api/..., /openapi.json, /docs and /riverui/ on api_addr (until Ctrl-C)",
		roles{api: true})
}

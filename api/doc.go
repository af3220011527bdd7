// Package api is Vigil's HTTP API on the API port (default :8001): schedules,
// runs, their statistics and files, ad-hoc reports and screeners, portfolios
// and screener sets, notifications, platform health, the River UI at
// /riverui/ and the OpenAPI 3.1 document (/openapi.json, /openapi.yaml) with a
// docs page served from the binary (/docs).
//
// Operations are huma v2 operations on a net/http ServeMux. register lists
// every operation in one place; each resource has its own file; the handler
// struct holds the dependencies; problem maps domain errors to RFC 9457
// problem details and logs only the unexpected.
//
// Every request to /api/ carries `Authorization: Bearer <token>`. Tokens are
// created with `vigil tokens create` (CreateToken), stored as SHA-256 hashes
// and revocable. Every query is scoped to the token's user inside the SQL
// (`WHERE id = @id AND (user_id = @user_id OR @is_admin)`), so another user's
// schedule or run is a 404; admins see everything. Every mutation writes an
// audit_log row in its transaction.
//
// The package imports jobs (to enqueue, trigger, backfill and cancel) and the
// pure packages (schedule, schemas); jobs and the pure packages must never
// import it.
package api

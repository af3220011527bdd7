// Package secrets encrypts the secrets Vigil keeps in PostgreSQL (per-user
// webhook signing secrets; later broker credentials and SMTP passwords) with
// AES-256-GCM under the operator's key (secret_key / VIGIL_SECRET_KEY).
//
// A sealed value is text: "v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>".
// The key id (the first 8 hex digits of SHA-256 of the key) says which key
// sealed it, so a Keyring can hold the current key and the previous ones
// during a rotation: Open tries the key the value names, Seal always uses the
// current key, and Stale reports values a rotation still has to re-seal.
// Every value is sealed with additional data naming where it is stored (for
// example "users.webhook_secret:42"), so a ciphertext copied to another row
// does not open there.
//
// The package imports only the standard library.
package secrets

package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// TokenPrefix starts every API token.
const TokenPrefix = "vgl_"

// tokenDisplayLen is how much of a token is kept in clear (api_tokens.token_prefix).
const tokenDisplayLen = 8

// touchEvery is how often a token's last_used_at is written at most.
const touchEvery = time.Minute

// NewToken returns a fresh token ("vgl_" + 32 random bytes, base64url) with
// its SHA-256 hash (what is stored) and its display prefix.
func NewToken() (token string, hash []byte, prefix string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), token[:tokenDisplayLen]
}

// HashToken is the stored form of a token: its SHA-256.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateToken creates a token for a user and returns it in clear with its
// row; the clear token is never stored and cannot be shown again. It writes
// an audit row (actor: actorUserID, nil for the CLI). Run it in a transaction
// to make the two atomic.
func CreateToken(ctx context.Context, q dbsqlc.DBTX, actorUserID *int64, userID int64, name string) (string, dbsqlc.TokenCreateRow, error) {
	token, hash, prefix := NewToken()
	row, err := dbsqlc.New().TokenCreate(ctx, q, dbsqlc.TokenCreateParams{UserID: userID, Name: name, TokenHash: hash, TokenPrefix: prefix})
	if err != nil {
		return "", row, fmt.Errorf("create token for user %d: %w", userID, db.Translate(err))
	}
	if err := audit(ctx, q, actorUserID, "token.create", "token", row.ID, map[string]any{"user_id": userID, "name": name, "prefix": prefix}); err != nil {
		return "", row, err
	}
	return token, row, nil
}

// RevokeToken revokes a token by id (db.ErrNotFound when there is none) and
// writes an audit row.
func RevokeToken(ctx context.Context, q dbsqlc.DBTX, actorUserID *int64, id int64) (dbsqlc.TokenRevokeRow, error) {
	row, err := dbsqlc.New().TokenRevoke(ctx, q, id)
	if err != nil {
		return row, fmt.Errorf("revoke token %d: %w", id, db.Translate(err))
	}
	if err := audit(ctx, q, actorUserID, "token.revoke", "token", id, map[string]any{"user_id": row.UserID, "prefix": row.TokenPrefix}); err != nil {
		return row, err
	}
	return row, nil
}

// audit writes one audit_log row for a change made through the API (or,
// with a nil actor, by the CLI on the API's behalf, as RevokeToken is used).
// The owner is the actor: API resources other than schedules are the
// caller's own.
func audit(ctx context.Context, q dbsqlc.DBTX, actor *int64, action, entityType string, entityID any, details map[string]any) error {
	e := auditlog.Entry{Source: auditlog.SourceAPI, Action: action, EntityType: entityType, EntityID: entityID, Details: details}
	if actor == nil {
		e.Source = auditlog.SourceCLI
	} else {
		e.Actor, e.Owner = *actor, *actor
	}
	return auditlog.Write(ctx, q, e)
}

// principal is the caller: the token's user and rights.
type principal struct {
	TokenID            int64
	UserID             int64
	Name               string
	IsAdmin            bool
	MaxSchedules       *int32
	MinIntervalSeconds *int32
}

// actor is the principal's id for audit rows.
func (p *principal) actor() *int64 { id := p.UserID; return &id }

type principalKey struct{}

// caller returns the authenticated principal of a request. Every operation
// is authenticated by authMiddleware, so it is always there.
func caller(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	if p == nil {
		panic("api: operation without an authenticated principal")
	}
	return p
}

// authError is a failed authentication: 401 (no or bad token) or 403
// (blocked user, or not an admin where one is needed).
type authError struct {
	status int
	msg    string
}

func (e *authError) Error() string { return e.msg }

var (
	errNoToken  = &authError{http.StatusUnauthorized, "missing bearer token: send Authorization: Bearer <token>"}
	errBadToken = &authError{http.StatusUnauthorized, "invalid or revoked token"}
	errBlocked  = &authError{http.StatusForbidden, "user is blocked"}
	errNotAdmin = &authError{http.StatusForbidden, "admin token required"}
)

// bearer extracts the token of an Authorization header.
func bearer(header string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// authenticate resolves a token to its principal, recording its use.
func (h *handler) authenticate(ctx context.Context, token string) (*principal, error) {
	if token == "" {
		return nil, errNoToken
	}
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 256 {
		return nil, errBadToken
	}
	row, err := h.q.TokenAuthenticate(ctx, h.pool, HashToken(token))
	if err != nil {
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			return nil, errBadToken
		}
		return nil, fmt.Errorf("authenticate token: %w", err)
	}
	if row.UserStatus == "blocked" {
		return nil, errBlocked
	}
	if row.LastUsedAt == nil || h.now().Sub(*row.LastUsedAt) >= touchEvery {
		if err := h.q.TokenTouch(ctx, h.pool, row.TokenID); err != nil {
			h.log.Warn("record token use", "token_id", row.TokenID, "error", err)
		}
	}
	return &principal{TokenID: row.TokenID, UserID: row.UserID, Name: row.UserName, IsAdmin: row.IsAdmin,
		MaxSchedules: row.MaxSchedules, MinIntervalSeconds: row.MinIntervalSeconds}, nil
}

// authMiddleware authenticates every operation whose security names a
// scheme (an operation with security [{}], such as the TradingView webhook,
// authenticates itself) and puts the principal in the request context.
func (h *handler) authMiddleware(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if !needsBearer(ctx.Operation()) {
			next(ctx)
			return
		}
		p, err := h.authenticate(ctx.Context(), bearer(ctx.Header("Authorization")))
		if err != nil {
			var ae *authError
			if !errors.As(err, &ae) {
				h.log.Error("authenticate", "error", err)
				_ = huma.WriteErr(api, ctx, http.StatusInternalServerError, "internal server error")
				return
			}
			if ae.status == http.StatusUnauthorized {
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="vigil"`)
			}
			_ = huma.WriteErr(api, ctx, ae.status, ae.msg)
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}

// needsBearer reports whether an operation's security asks for a scheme.
func needsBearer(op *huma.Operation) bool {
	for _, req := range op.Security {
		if len(req) > 0 {
			return true
		}
	}
	return false
}

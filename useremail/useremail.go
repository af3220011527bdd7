// Package useremail is the life of a user's email address, the same for
// the API, the bot, the CLI and the notification worker:
//
//   - an operator sets an address (`vigil users create|update --email`):
//     confirmed at once (SetConfirmed);
//   - a user sets one (PUT /api/me/email, the bot's /email ADDR): it is
//     stored unconfirmed with the SHA-256 of a six-digit code (Request),
//     the caller mails the code after its transaction commits (Send), and
//     the user sends it back (/email confirm CODE, POST
//     /api/me/email/confirm: Confirm) within CodeTTL and MaxAttempts;
//   - the worker marks an address bouncing when the mail server refuses it
//     (MarkBouncing), the preferences link turns email off or on
//     (SetUnsubscribed).
//
// Only a confirmed address that is not bouncing and not unsubscribed gets
// mail (Deliverable). Every change writes an audit row in the caller's
// transaction.
package useremail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Limits of the confirmation flow.
const (
	// CodeTTL is how long a mailed code is accepted.
	CodeTTL = time.Hour
	// MaxAttempts wrong codes void the pending code (ask for a new one).
	MaxAttempts = 5
	// ResendAfter is the least time between two confirmation mails of a
	// user.
	ResendAfter = time.Minute
	// MaxAddressLength is the longest address accepted (RFC 5321 path).
	MaxAddressLength = 254
	codeDigits       = 6
)

// Kind classifies an Error.
type Kind int

// The kinds of Error.
const (
	// KindInvalid: the address or code is malformed (422).
	KindInvalid Kind = iota + 1
	// KindTooSoon: a confirmation mail went out less than ResendAfter ago
	// (429, RetryAfter says how long to wait).
	KindTooSoon
	// KindNoCode: no confirmation is pending, or it expired or was used up
	// (409: ask for a new code).
	KindNoCode
	// KindWrongCode: the code does not match (422).
	KindWrongCode
	// KindNotFound: no such user (404).
	KindNotFound
)

// Error is a problem to show the person: Field is "email" or "code".
type Error struct {
	Kind       Kind
	Field      string
	Msg        string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Msg }

// AsError returns err's *Error, if it has one.
func AsError(err error) (*Error, bool) { return errors.AsType[*Error](err) }

// Normalize checks addr and returns it as stored: a bare address
// (local@domain, no display name or angle brackets), at most 254
// characters, without control or space characters, domain in lower case.
func Normalize(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", &Error{Kind: KindInvalid, Field: "email", Msg: "an email address is required, like ann@example.com"}
	}
	if len(addr) > MaxAddressLength {
		return "", &Error{Kind: KindInvalid, Field: "email", Msg: fmt.Sprintf("an email address has at most %d characters, got %d", MaxAddressLength, len(addr))}
	}
	for _, r := range addr {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '<' || r == '>' || r == ',' || r == ';' {
			return "", &Error{Kind: KindInvalid, Field: "email", Msg: fmt.Sprintf("%q is not an email address like ann@example.com (no spaces, names or brackets)", addr)}
		}
	}
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Name != "" || parsed.Address != addr {
		return "", &Error{Kind: KindInvalid, Field: "email", Msg: fmt.Sprintf("%q is not an email address like ann@example.com", addr)}
	}
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" || strings.HasPrefix(domain, "[") {
		return "", &Error{Kind: KindInvalid, Field: "email", Msg: fmt.Sprintf("%q is not an email address like ann@example.com", addr)}
	}
	return local + "@" + strings.ToLower(domain), nil
}

// Deliverable returns the address mail may go to: the user's confirmed
// address that is not bouncing and not unsubscribed, else "".
func Deliverable(u dbsqlc.User) string {
	if u.Email == nil || u.EmailConfirmedAt == nil || u.EmailBouncingAt != nil || u.EmailUnsubscribedAt != nil {
		return ""
	}
	return *u.Email
}

// Status describes u's address for people: "none", "unconfirmed",
// "bouncing", "unsubscribed" or "confirmed".
func Status(u dbsqlc.User) string {
	switch {
	case u.Email == nil:
		return "none"
	case u.EmailConfirmedAt == nil:
		return "unconfirmed"
	case u.EmailBouncingAt != nil:
		return "bouncing"
	case u.EmailUnsubscribedAt != nil:
		return "unsubscribed"
	}
	return "confirmed"
}

// Mask shows an address without most of its local part: "a***@example.com".
func Mask(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	first := []rune(local)[0]
	return string(first) + "***@" + domain
}

// SetConfirmed stores addr (Normalize applies) as userID's confirmed
// address: an operator's word (e.Source is cli). e names the actor and
// source; its Action, entity and details are filled in.
func SetConfirmed(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, addr string) (string, error) {
	addr, err := Normalize(addr)
	if err != nil {
		return "", err
	}
	q := dbsqlc.New()
	if _, err := lock(ctx, tx, userID); err != nil {
		return "", err
	}
	if err := q.UserEmailSetConfirmed(ctx, tx, dbsqlc.UserEmailSetConfirmedParams{ID: userID, Email: addr}); err != nil {
		return "", fmt.Errorf("set the email address of user %d: %w", userID, err)
	}
	return addr, write(ctx, tx, e, userID, "user.email.set", map[string]any{"email": addr, "confirmed": true})
}

// Clear removes userID's address.
func Clear(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64) error {
	u, err := lock(ctx, tx, userID)
	if err != nil {
		return err
	}
	if err := dbsqlc.New().UserEmailClear(ctx, tx, userID); err != nil {
		return fmt.Errorf("clear the email address of user %d: %w", userID, err)
	}
	return write(ctx, tx, e, userID, "user.email.clear", map[string]any{"email": deref(u.Email)})
}

// Pending is a confirmation to mail once the transaction commits.
type Pending struct {
	UserID  int64
	To      string
	Code    string
	Expires time.Time
	hash    []byte
}

// Request stores addr (Normalize applies) as userID's unconfirmed address
// with a new code, and returns what to mail. The address gets nothing
// until Confirm. A second request within ResendAfter is KindTooSoon.
func Request(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, addr string, now time.Time) (Pending, error) {
	addr, err := Normalize(addr)
	if err != nil {
		return Pending{}, err
	}
	u, err := lock(ctx, tx, userID)
	if err != nil {
		return Pending{}, err
	}
	if u.EmailCodeSentAt != nil {
		if wait := u.EmailCodeSentAt.Add(ResendAfter).Sub(now); wait > 0 {
			return Pending{}, &Error{Kind: KindTooSoon, Field: "email", RetryAfter: wait,
				Msg: fmt.Sprintf("a confirmation code was mailed less than a minute ago; wait %d s before asking for another", int(wait.Seconds()+0.999))}
		}
	}
	code, err := newCode()
	if err != nil {
		return Pending{}, err
	}
	p := Pending{UserID: userID, To: addr, Code: code, Expires: now.Add(CodeTTL), hash: hashCode(userID, code)}
	if err := dbsqlc.New().UserEmailRequest(ctx, tx, dbsqlc.UserEmailRequestParams{ID: userID, Email: addr,
		CodeHash: p.hash, ExpiresAt: &p.Expires}); err != nil {
		return Pending{}, fmt.Errorf("store the email address of user %d: %w", userID, err)
	}
	return p, write(ctx, tx, e, userID, "user.email.request", map[string]any{"email": addr, "previous": deref(u.Email),
		"expires_at": p.Expires.UTC().Format(time.RFC3339)})
}

// Confirm accepts code for userID's pending address and returns the
// address. A wrong code counts against MaxAttempts (the count is stored
// in tx, so the caller must commit it even though Confirm fails).
func Confirm(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, code string, now time.Time) (string, error) {
	code = strings.TrimSpace(code)
	if len(code) != codeDigits || strings.Trim(code, "0123456789") != "" {
		return "", &Error{Kind: KindInvalid, Field: "code", Msg: fmt.Sprintf("the code is the %d digits of the confirmation mail", codeDigits)}
	}
	u, err := lock(ctx, tx, userID)
	if err != nil {
		return "", err
	}
	switch {
	case u.Email == nil || u.EmailCodeHash == nil:
		if u.Email != nil && u.EmailConfirmedAt != nil {
			return "", &Error{Kind: KindNoCode, Field: "code", Msg: fmt.Sprintf("%s is already confirmed", *u.Email)}
		}
		return "", &Error{Kind: KindNoCode, Field: "code", Msg: "no confirmation is pending: set your address first (PUT /api/me/email or /email ADDR)"}
	case u.EmailCodeExpiresAt == nil || !now.Before(*u.EmailCodeExpiresAt):
		return "", &Error{Kind: KindNoCode, Field: "code", Msg: "the code expired: set your address again for a new one"}
	case u.EmailCodeAttempts >= MaxAttempts:
		return "", &Error{Kind: KindNoCode, Field: "code", Msg: "too many wrong codes: set your address again for a new one"}
	}
	q := dbsqlc.New()
	if subtle.ConstantTimeCompare(hashCode(userID, code), u.EmailCodeHash) != 1 {
		n, err := q.UserEmailCodeFailed(ctx, tx, userID)
		if err != nil {
			return "", fmt.Errorf("count a wrong code of user %d: %w", userID, err)
		}
		if err := write(ctx, tx, e, userID, "user.email.confirm_failed", map[string]any{"email": *u.Email, "attempts": n}); err != nil {
			return "", err
		}
		left := MaxAttempts - int(n)
		msg := fmt.Sprintf("that is not the code mailed to %s; %d tries left", *u.Email, left)
		if left <= 0 {
			msg = "that is not the code either, and it was the last try: set your address again for a new code"
		}
		return "", &Error{Kind: KindWrongCode, Field: "code", Msg: msg}
	}
	if err := q.UserEmailConfirm(ctx, tx, userID); err != nil {
		return "", fmt.Errorf("confirm the email address of user %d: %w", userID, err)
	}
	return *u.Email, write(ctx, tx, e, userID, "user.email.confirm", map[string]any{"email": *u.Email})
}

// MarkBouncing marks userID's address bouncing (no more mail to it) when
// it is still addr and not marked yet, and reports whether it did.
func MarkBouncing(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, addr, reason string) (bool, error) {
	n, err := dbsqlc.New().UserEmailMarkBouncing(ctx, tx, dbsqlc.UserEmailMarkBouncingParams{ID: userID, Email: addr, Reason: reason})
	if err != nil {
		return false, fmt.Errorf("mark the email address of user %d bouncing: %w", userID, err)
	}
	if n == 0 {
		return false, nil
	}
	return true, write(ctx, tx, e, userID, "user.email.bounce", map[string]any{"email": addr, "reason": reason})
}

// SetUnsubscribed turns mail to userID's address addr off (off) or on
// again, and reports whether it changed anything (false when the address
// is no longer addr or already in that state).
func SetUnsubscribed(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, addr string, off bool) (bool, error) {
	n, err := dbsqlc.New().UserEmailSetUnsubscribed(ctx, tx, dbsqlc.UserEmailSetUnsubscribedParams{ID: userID, Email: addr, Off: off})
	if err != nil {
		return false, fmt.Errorf("set email preferences of user %d: %w", userID, err)
	}
	if n == 0 {
		return false, nil
	}
	action := "user.email.resubscribe"
	if off {
		action = "user.email.unsubscribe"
	}
	return true, write(ctx, tx, e, userID, action, map[string]any{"email": addr})
}

func lock(ctx context.Context, tx pgx.Tx, userID int64) (dbsqlc.User, error) {
	u, err := dbsqlc.New().UserGetForUpdate(ctx, tx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, &Error{Kind: KindNotFound, Msg: fmt.Sprintf("user %d does not exist", userID)}
	}
	if err != nil {
		return u, fmt.Errorf("load user %d: %w", userID, err)
	}
	return u, nil
}

func write(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, action string, details map[string]any) error {
	e.Owner, e.Action, e.EntityType, e.EntityID, e.Details = userID, action, "user", userID, details
	return audit.Write(ctx, tx, e)
}

// newCode returns six random digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("confirmation code: %w", err)
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// hashCode is what is stored of a code: SHA-256 of the user id and code.
func hashCode(userID int64, code string) []byte {
	sum := sha256.Sum256([]byte("vigil-email-code:" + strconv.FormatInt(userID, 10) + ":" + code))
	return sum[:]
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

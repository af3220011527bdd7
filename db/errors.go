package db

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinel errors that callers branch on.
var (
	// ErrNotFound is returned when a row does not exist (or is not the caller's).
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned on a unique or exclusion violation.
	ErrConflict = errors.New("conflict")
)

// Translate maps driver errors to the sentinels above, wrapping the original.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return errors.Join(ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23P01") {
		return errors.Join(ErrConflict, err)
	}
	if IsNoRunPartition(err) {
		return errors.Join(ErrNoRunPartition, err)
	}
	return err
}

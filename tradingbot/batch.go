package tradingbot

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// batch collects a decision's writes and sends them in one round trip
// (pgx.Batch), in order, inside the decision's transaction. The sqlc
// queries run against it as their dbsqlc.DBTX: Exec queues the statement
// and returns at once, so a caller that needs a row count asks for it with
// one before the call, and reads nothing back.
type batch struct {
	b      pgx.Batch
	expect error // the next Exec must change exactly one row, else this error
}

// errNotClaimed is the decision's claim failing: its bot changed since it
// was read (another decision, an edit, a stop) or the lease is not this
// runner's any more. The transaction rolls back; the next pass reads the
// bot again.
var errNotClaimed = errors.New("tradingbot: the bot changed or its lease was lost since it was read")

// one makes the next queued statement fail the batch with the message
// unless it changes exactly one row.
func (b *batch) one(format string, args ...any) { b.expect = fmt.Errorf(format, args...) }

// claim makes the next queued statement fail the batch with errNotClaimed
// unless it changes exactly one row.
func (b *batch) claim() { b.expect = errNotClaimed }

// Exec queues sql.
func (b *batch) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	qq := b.b.Queue(sql, args...)
	if want := b.expect; want != nil {
		b.expect = nil
		qq.Exec(func(ct pgconn.CommandTag) error {
			if ct.RowsAffected() != 1 {
				return want
			}
			return nil
		})
	}
	return pgconn.CommandTag{}, nil
}

// errBatchRead is returned for a read against a batch: reads go to the
// transaction.
var errBatchRead = errors.New("tradingbot: a batch of writes cannot read")

// Query is not supported.
func (b *batch) Query(context.Context, string, ...any) (pgx.Rows, error) { return nil, errBatchRead }

// QueryRow is not supported.
func (b *batch) QueryRow(context.Context, string, ...any) pgx.Row { return errRow{} }

type errRow struct{}

func (errRow) Scan(...any) error { return errBatchRead }

// send runs the queued statements in tx; the first failure is returned.
func (b *batch) send(ctx context.Context, tx pgx.Tx) error {
	if b.b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, &b.b).Close(); err != nil {
		return fmt.Errorf("write the decision: %w", err)
	}
	return nil
}

package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/useremail"
)

// withImages returns m with the attachments loaded as Message.Images, for
// a channel that shows them inside the message (email). An attachment
// whose artifact is gone is left out with a line saying so; the text and
// the other images still go. A database error is transient.
func (w *NotifyWorker) withImages(ctx context.Context, m notify.Message, atts []Attachment) (notify.Message, error) {
	q := dbsqlc.New()
	m.Images = make([]notify.Image, 0, len(atts))
	for _, at := range atts {
		art, err := q.ArtifactGet(ctx, w.Pool, dbsqlc.ArtifactGetParams{RunID: at.RunID, Name: at.Name})
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			m.Text += fmt.Sprintf("\n(%s is no longer available)", cmp.Or(at.Caption, at.Name))
			continue
		}
		if err != nil {
			return m, fmt.Errorf("load artifact %s of run %d: %w", at.Name, at.RunID, err)
		}
		m.Images = append(m.Images, notify.Image{Name: at.Name, Caption: at.Caption, PNG: art.Data})
	}
	return m, nil
}

// markBouncing marks the user's address bouncing after the mail server
// refused it for good, so that nothing more is sent there (audited, source
// worker); the user's other channels carry on.
func (w *NotifyWorker) markBouncing(ctx context.Context, userID int64, addr string, sendErr error) error {
	err := pgx.BeginFunc(ctx, w.Pool, func(tx pgx.Tx) error {
		marked, err := useremail.MarkBouncing(ctx, tx, audit.Entry{Source: audit.SourceWorker}, userID, addr, sendErr.Error())
		if marked {
			w.Logger.Warn("email address bouncing: no more mail to it", "user_id", userID, "error", sendErr)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("mark the email address of user %d bouncing: %w", userID, err)
	}
	return nil
}

package useremail

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
)

// More kinds of Error, from Send.
const (
	// KindRefused: the mail server refused the address or the mail (422).
	KindRefused Kind = iota + 100
	// KindUnavailable: the mail could not be sent now (503; try again).
	KindUnavailable
)

// Sender mails confirmation codes (notify.Email).
type Sender interface {
	SendConfirmation(ctx context.Context, c notify.Confirmation) (notify.Receipt, error)
}

// Send mails p's code through s, after the transaction of Request
// committed, and records the attempt in the notifications table (without
// the code). When it fails, a new Request may come at once; the error is
// an *Error of KindRefused (the server refused the address) or
// KindUnavailable (try again later).
func Send(ctx context.Context, db dbsqlc.DBTX, s Sender, p Pending) error {
	q := dbsqlc.New()
	row, err := q.NotificationBeginAttempt(ctx, db, dbsqlc.NotificationBeginAttemptParams{
		MessageID: uuid.New(), UserID: &p.UserID, Channel: notify.ChannelEmail, Priority: notify.PriorityHigh,
		NotificationType: notify.TypeSystem, Message: "email confirmation code for " + p.To + " (the code is not stored)"})
	if err != nil {
		return fmt.Errorf("log the confirmation mail: %w", err)
	}
	var sendErr error
	var receipt notify.Receipt
	if s == nil {
		sendErr = errors.New("email is not configured on this server (smtp_host)")
	} else {
		receipt, sendErr = s.SendConfirmation(ctx, notify.Confirmation{UserID: p.UserID, To: p.To, Code: p.Code, Expires: p.Expires})
	}
	status, errText := "sent", ""
	if sendErr != nil {
		status, errText = "failed", sendErr.Error()
	}
	if err := q.NotificationFinishAttempt(ctx, db, dbsqlc.NotificationFinishAttemptParams{ID: row.ID, Status: status,
		Error: errText, ProviderMessageID: receipt.ProviderMessageID}); err != nil {
		return fmt.Errorf("log the confirmation mail: %w", err)
	}
	if sendErr == nil {
		return nil
	}
	if err := q.UserEmailCodeUnsent(ctx, db, dbsqlc.UserEmailCodeUnsentParams{ID: p.UserID, CodeHash: p.hash}); err != nil {
		return fmt.Errorf("after a failed confirmation mail: %w", err)
	}
	if notify.IsPermanent(sendErr) {
		return &Error{Kind: KindRefused, Field: "email", Msg: fmt.Sprintf("the mail server refused %s: %v", p.To, reason(sendErr))}
	}
	return &Error{Kind: KindUnavailable, Field: "email",
		Msg: fmt.Sprintf("the confirmation mail to %s could not be sent now (%v); try again in a while", p.To, reason(sendErr))}
}

// reason is the server's words of an SMTP error, or the error.
func reason(err error) string {
	if se, ok := errors.AsType[*notify.SMTPError](err); ok {
		if se.Code != 0 {
			return fmt.Sprintf("%d %s", se.Code, se.Message)
		}
		return se.Message
	}
	return err.Error()
}

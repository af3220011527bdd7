package api

import (
	"context"
	"errors"

	"github.com/vigilhq/vigil/console"
)

// consoleUser checks a token for the console's login as every operation's
// authentication does (authenticate): a bad token or a blocked user is a
// *console.AuthError with the API's message.
func (h *handler) consoleUser(ctx context.Context, token string) (console.User, error) {
	p, err := h.authenticate(ctx, token)
	var ae *authError
	if errors.As(err, &ae) {
		return console.User{}, &console.AuthError{Msg: ae.msg}
	}
	if err != nil {
		return console.User{}, err
	}
	return console.User{ID: p.UserID, Name: p.Name, IsAdmin: p.IsAdmin}, nil
}

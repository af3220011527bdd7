package bot

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/notify/mailtest"
)

// withEmail gives the bot an email channel on a fresh mail catcher.
func withEmail(t *testing.T) (func(*Options), *mailtest.Server) {
	t.Helper()
	srv, err := mailtest.Start(mailtest.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	email, err := notify.NewEmail(notify.EmailConfig{Host: srv.Host(), Port: srv.Port(), TLS: notify.EmailNoTLS, From: "vigil@vigil.test"})
	require.NoError(t, err)
	return func(o *Options) { o.Email = email }, srv
}

var botCodeRE = regexp.MustCompile(`confirmation code is (\d{6})`)

// /email ADDR mails a code after the command's transaction commits;
// /email confirm CODE accepts it; every step is audited with source bot.
func TestEmailCommand(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	with, mail := withEmail(t)
	tb.start(t, with)
	u := tb.user(t, StatusVerified, false)

	require.Contains(t, tb.say(t, u, "/email"), "You have no email address")
	reply := tb.say(t, u, "/email not-an-address")
	require.Contains(t, reply, `"not-an-address" is not an email address`)
	require.Contains(t, reply, "/email ADDRESS", "shows the usage")

	reply = tb.say(t, u, "/email ann@Example.com")
	require.Equal(t, "I mailed a code to ann@example.com. Send /email confirm CODE within an hour; until then nothing is mailed there.", reply)
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	msgs, err := mail.Wait(ctx, "ann@example.com", 1)
	require.NoError(t, err)
	code := botCodeRE.FindStringSubmatch(msgs[0].Text)[1]
	require.Contains(t, tb.say(t, u, "/email"), "waiting for its code")
	require.Contains(t, tb.say(t, u, "/email ann@example.com"), "wait", "one code a minute")

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	require.Equal(t, "that is not the code mailed to ann@example.com; 4 tries left.", tb.say(t, u, "/email confirm "+wrong))
	require.Contains(t, tb.say(t, u, "/email confirm 12"), "the code is the 6 digits")
	require.Equal(t, "Confirmed: your notifications go to ann@example.com by email too.", tb.say(t, u, "/email confirm "+code))
	require.Contains(t, tb.say(t, u, "/email"), "Your notifications go to ann@example.com")
	require.Equal(t, "Removed ann@example.com: you get no more email.", tb.say(t, u, "/email remove"))
	require.Equal(t, map[string]int{"user.email.request": 1, "user.email.confirm_failed": 1, "user.email.confirm": 1, "user.email.clear": 1},
		tb.botAudits(t, u, "user"))
}

func TestEmailCommandRefusedAndUnconfigured(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	with, mail := withEmail(t)
	tb.start(t, with)
	u := tb.user(t, StatusVerified, false)
	mail.Fail(mailtest.StageRcpt, "gone@example.com", mailtest.Reply{Code: 550, Message: "5.1.1 no such user"}, -1)
	reply := tb.say(t, u, "/email gone@example.com")
	require.Equal(t, "the mail server refused gone@example.com: 550 5.1.1 no such user. Send /email ADDRESS again to retry.", reply)
	require.True(t, strings.HasPrefix(tb.say(t, u, "/email ok@example.com"), "I mailed a code"), "a refused address does not hold the next one back")

	plain := setup(t)
	plain.start(t)
	v := plain.user(t, StatusVerified, false)
	require.Contains(t, plain.say(t, v, "/email ann@example.com"), "Email is not configured on this server")
}

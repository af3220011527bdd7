package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/telegram/telegramtest"
)

type telegramBundle struct {
	srv *telegramtest.Server
	ch  *Telegram
}

// setupTelegram starts a Bot API stand-in and a channel talking to it.
func setupTelegram(t *testing.T, srvOpts telegramtest.Options, opts ...TelegramOption) *telegramBundle {
	t.Helper()
	srv := telegramtest.New(srvOpts)
	t.Cleanup(srv.Close)
	ch, err := NewTelegram(srv.Token(), srv.URL(), opts...)
	require.NoError(t, err)
	return &telegramBundle{srv: srv, ch: ch}
}

func tgMessage(text string) Message {
	return Message{MessageID: "0f8fad5b-d9cb-469f-a165-70867728950e", UserID: 42, Text: text,
		Priority: PriorityNormal, Type: TypeAlert, Attempt: 1}
}

func chartPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 9))))
	return buf.Bytes()
}

func TestNewTelegram(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"", "https://api.telegram.org/bot%s/%s", "http://127.0.0.1:8081", "http://proxy/tg/"} {
		ch, err := NewTelegram("123:abc", endpoint)
		require.NoError(t, err, endpoint)
		require.Equal(t, "telegram", ch.Name())
		require.NotNil(t, ch.Limiter())
	}
	for _, endpoint := range []string{"api.telegram.org", "ftp://host/bot%s/%s", "http://host/bot%s", "http://host/bot%s/%s/%d"} {
		_, err := NewTelegram("123:abc", endpoint)
		require.Error(t, err, endpoint)
	}
	ch, err := NewTelegram("123:abc", "", WithTelegramUnpaced())
	require.NoError(t, err)
	require.Nil(t, ch.Limiter(), "unpaced: no limiter of its own")
	_, err = NewTelegram("", "")
	require.Error(t, err)
	_, err = NewTelegram("123:abc", "", WithTelegramParseMode("Markdown"))
	require.ErrorContains(t, err, "unsupported parse mode")
}

func TestTelegramSend(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t, telegramtest.Options{})

	username, err := b.ch.Check(context.Background())
	require.NoError(t, err)
	require.Equal(t, telegramtest.DefaultUsername, username)

	text := "BTC/USDT crossed 100,000 <above> & RSI(14) = 71.5!"
	receipt, err := b.ch.Send(context.Background(), Destination{TelegramChatID: 42}, tgMessage(text))
	require.NoError(t, err)
	got := b.srv.Messages(42)
	require.Len(t, got, 1)
	require.Equal(t, text, got[0].Text)
	require.Empty(t, got[0].ParseMode, "plain text by default")
	require.Equal(t, fmt.Sprint(got[0].MessageID), receipt.ProviderMessageID)
}

func TestTelegramSendParseModes(t *testing.T) {
	t.Parallel()
	text := "<b>not bold</b> & co > 5 * 2_000 [x](y) RSI 71.5! \\ `"
	for _, mode := range []string{TelegramHTML, TelegramMarkdownV2} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := setupTelegram(t, telegramtest.Options{}, WithTelegramParseMode(mode))
			_, err := b.ch.Send(context.Background(), Destination{TelegramChatID: 7}, tgMessage(text))
			require.NoError(t, err, "the stand-in parses the escaped text as Telegram would")
			got := b.srv.Messages(7)
			require.Len(t, got, 1)
			require.Equal(t, mode, got[0].ParseMode)
			require.Equal(t, text, got[0].Plain, "the user sees the text verbatim")
		})
	}
}

func TestTelegramSendSplits(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t, telegramtest.Options{}, WithTelegramParseMode(TelegramHTML))

	var sb strings.Builder
	for i := range 200 {
		line := fmt.Sprintf("%03d <%s>", i, strings.Repeat("x", 43)) // 49 characters
		sb.WriteString(line[:49] + "\n")
	}
	text := sb.String()
	require.Len(t, text, 10_000)

	receipt, err := b.ch.Send(context.Background(), Destination{TelegramChatID: 5}, tgMessage(text))
	require.NoError(t, err)
	got := b.srv.Messages(5)
	require.Len(t, got, 3)
	var joined strings.Builder
	for _, m := range got {
		require.LessOrEqual(t, len([]rune(m.Plain)), TelegramTextLimit)
		require.True(t, strings.HasSuffix(m.Plain, "\n"), "parts end on a line boundary")
		joined.WriteString(m.Plain)
	}
	require.Equal(t, text, joined.String(), "the parts arrive in order")
	require.Equal(t, fmt.Sprintf("%d,%d,%d", got[0].MessageID, got[1].MessageID, got[2].MessageID), receipt.ProviderMessageID)
	require.Zero(t, b.srv.Violations(), "the parts were paced to 1 per second")
}

func TestTelegramSendErrors(t *testing.T) {
	t.Parallel()

	type check func(t *testing.T, err error, b *telegramBundle)
	retryAfter := func(want time.Duration) check {
		return func(t *testing.T, err error, _ *telegramBundle) {
			after, ok := RetryAfter(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, want, after)
			require.False(t, IsPermanent(err))
		}
	}
	unreachable := func(msg string) check {
		return func(t *testing.T, err error, _ *telegramBundle) {
			require.True(t, IsUnreachable(err), "%v", err)
			require.ErrorContains(t, err, msg)
		}
	}
	permanent := func(msg string) check {
		return func(t *testing.T, err error, _ *telegramBundle) {
			require.True(t, IsPermanent(err), "%v", err)
			require.False(t, IsUnreachable(err), "%v", err)
			require.ErrorContains(t, err, msg)
		}
	}
	transient := func(msg string) check {
		return func(t *testing.T, err error, _ *telegramBundle) {
			require.False(t, IsPermanent(err), "%v", err)
			_, ok := RetryAfter(err)
			require.False(t, ok, "%v", err)
			require.ErrorContains(t, err, msg)
		}
	}

	tests := []struct {
		name  string
		fault telegramtest.Fault
		photo []byte // send a photo (multipart) instead of a message
		opts  []TelegramOption
		check check
	}{
		{name: "429", fault: telegramtest.Fault{Kind: telegramtest.TooManyRequests, RetryAfter: 7}, check: retryAfter(7 * time.Second)},
		{name: "429 photo", fault: telegramtest.Fault{Kind: telegramtest.TooManyRequests, RetryAfter: 3}, photo: chartPNG(t), check: retryAfter(3 * time.Second)},
		{name: "blocked", fault: telegramtest.Fault{Kind: telegramtest.BotBlocked}, check: unreachable("telegram sendMessage to chat 1: Forbidden: bot was blocked by the user")},
		{name: "blocked photo", fault: telegramtest.Fault{Kind: telegramtest.BotBlocked}, photo: chartPNG(t), check: unreachable("Forbidden: bot was blocked by the user")},
		{name: "chat not found", fault: telegramtest.Fault{Kind: telegramtest.ChatNotFound}, check: unreachable("Bad Request: chat not found")},
		{name: "other 4xx", photo: []byte("not a PNG"), check: permanent("telegram sendPhoto to chat 1: Bad Request: IMAGE_PROCESS_FAILED")},
		{name: "500", fault: telegramtest.Fault{Kind: telegramtest.ServerError}, check: transient("Internal Server Error")},
		{name: "502 from the proxy", fault: telegramtest.Fault{Kind: telegramtest.ServerError, Status: 502}, check: transient("HTTP 502 Bad Gateway")},
		{name: "timeout", fault: telegramtest.Fault{Kind: telegramtest.Timeout}, opts: []TelegramOption{WithTelegramTimeout(200 * time.Millisecond)},
			check: func(t *testing.T, err error, b *telegramBundle) {
				transient("")(t, err, b)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				require.Empty(t, b.srv.Messages(1))
			}},
		{name: "reply lost after delivery", fault: telegramtest.Fault{Kind: telegramtest.DropReply},
			check: func(t *testing.T, err error, b *telegramBundle) {
				transient("")(t, err, b)
				require.Len(t, b.srv.Messages(1), 1, "delivered although the send failed")
				// The worker retries: at least once means a duplicate.
				_, err = b.ch.Send(context.Background(), Destination{TelegramChatID: 1}, tgMessage("hello"))
				require.NoError(t, err)
				require.Len(t, b.srv.Messages(1), 2)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupTelegram(t, telegramtest.Options{}, tt.opts...)
			if tt.fault.Kind != 0 {
				b.srv.Inject(tt.fault)
			}
			var err error
			if tt.photo != nil {
				_, err = b.ch.SendPhoto(context.Background(), 1, tt.photo, "chart", SendOptions{})
			} else {
				_, err = b.ch.Send(context.Background(), Destination{TelegramChatID: 1}, tgMessage("hello"))
			}
			require.Error(t, err)
			tt.check(t, err, b)
		})
	}
}

func TestTelegramWrongTokenIsTransient(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(telegramtest.Options{})
	t.Cleanup(srv.Close)
	ch, err := NewTelegram("123456789:wrong-secret", srv.URL())
	require.NoError(t, err)

	_, err = ch.Send(context.Background(), Destination{TelegramChatID: 1}, tgMessage("hello"))
	require.ErrorContains(t, err, "Unauthorized")
	require.False(t, IsPermanent(err), "a bad token is fixed by deployment; the messages wait")
	_, err = ch.Check(context.Background())
	require.ErrorContains(t, err, "telegram getMe: Unauthorized")
}

func TestTelegramErrorsHideToken(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(telegramtest.Options{})
	url := srv.URL()
	srv.Close() // nothing listens any more
	ch, err := NewTelegram(srv.Token(), url)
	require.NoError(t, err)

	_, err = ch.Send(context.Background(), Destination{TelegramChatID: 1}, tgMessage("hello"))
	require.Error(t, err)
	require.False(t, IsPermanent(err), "a network error is transient")
	require.NotContains(t, err.Error(), srv.Token())
	require.NotContains(t, err.Error(), "TEST-telegramtest-token")

	require.Equal(t, "telegram: <token> failed",
		(&Telegram{token: "1:s3cret"}).redact(errors.New("telegram: 1:s3cret failed")).Error())
}

func TestTelegramNoDestinationOrText(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t, telegramtest.Options{})

	_, err := b.ch.Send(context.Background(), Destination{}, tgMessage("hello"))
	require.ErrorIs(t, err, ErrNoDestination)
	require.True(t, IsPermanent(err))
	_, err = b.ch.SendPhoto(context.Background(), 0, chartPNG(t), "", SendOptions{})
	require.ErrorIs(t, err, ErrNoDestination)

	_, err = b.ch.Send(context.Background(), Destination{TelegramChatID: 1}, tgMessage(" \n\n "))
	require.True(t, IsPermanent(err))
	require.Empty(t, b.srv.AllMessages())
}

func TestTelegramSendPhoto(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t, telegramtest.Options{NoLimits: true}, WithTelegramParseMode(TelegramHTML))
	img := chartPNG(t)

	receipt, err := b.ch.SendPhoto(context.Background(), 3, img, "BTC <1h>", SendOptions{})
	require.NoError(t, err)
	got := b.srv.Messages(3)
	require.Len(t, got, 1)
	require.Equal(t, "sendPhoto", got[0].Method)
	require.Equal(t, img, got[0].Photo)
	require.Equal(t, "BTC <1h>", got[0].Plain)
	require.Equal(t, fmt.Sprint(got[0].MessageID), receipt.ProviderMessageID)

	long := strings.Repeat("caption line\n", 100) // 1300 characters
	receipt, err = b.ch.SendPhoto(context.Background(), 4, img, long, SendOptions{})
	require.NoError(t, err)
	got = b.srv.Messages(4)
	require.Len(t, got, 2, "a long caption follows the photo as a message")
	require.Empty(t, got[0].Text)
	require.Equal(t, long, got[1].Plain)
	require.Equal(t, fmt.Sprintf("%d,%d", got[0].MessageID, got[1].MessageID), receipt.ProviderMessageID)
}

// The limiter keeps bursts within the stand-in's limits: 100 messages to 10
// chats (1 per second per chat) and 60 messages to 60 chats (30 per second
// overall), all sent at once.
func TestTelegramLimiterBurst(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t, telegramtest.Options{})

	var wg sync.WaitGroup
	errs := make(chan error, 160)
	for i := range 100 {
		wg.Go(func() {
			_, err := b.ch.Send(context.Background(), Destination{TelegramChatID: int64(1 + i%10)}, tgMessage(fmt.Sprint("burst ", i)))
			errs <- err
		})
	}
	for i := range 60 {
		wg.Go(func() {
			_, err := b.ch.Send(context.Background(), Destination{TelegramChatID: int64(1000 + i)}, tgMessage("fan-out"))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, b.srv.AllMessages(), 160)
	for chat := int64(1); chat <= 10; chat++ {
		require.Len(t, b.srv.Messages(chat), 10)
	}
	require.Zero(t, b.srv.Violations())
}

func TestTelegramContextCancellation(t *testing.T) {
	t.Parallel()

	t.Run("before sending", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t, telegramtest.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := b.ch.Send(ctx, Destination{TelegramChatID: 1}, tgMessage("hello"))
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, IsPermanent(err))
		require.Empty(t, b.srv.AllMessages())
	})
	t.Run("waiting for the limit", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t, telegramtest.Options{})
		_, err := b.ch.Send(context.Background(), Destination{TelegramChatID: 1}, tgMessage("first"))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err = b.ch.Send(ctx, Destination{TelegramChatID: 1}, tgMessage("second must wait a second"))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorContains(t, err, "wait for the rate limit")
		require.Len(t, b.srv.Messages(1), 1)
	})
	t.Run("in flight", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t, telegramtest.Options{})
		b.srv.Inject(telegramtest.Fault{Kind: telegramtest.Timeout})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := b.ch.Send(ctx, Destination{TelegramChatID: 1}, tgMessage("hello"))
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, IsPermanent(err))
	})
}

func TestEscapeTelegram(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a &lt;b&gt; &amp;amp; &quot;q&quot; ' ü", EscapeTelegramHTML(`a <b> &amp; "q" ' ü`))
	require.Equal(t, `RSI\(14\) \= 71\.5\! a\_b \*x\* \\ ü`, EscapeTelegramMarkdownV2(`RSI(14) = 71.5! a_b *x* \ ü`))
}

func TestTelegramCodeFromDescription(t *testing.T) {
	t.Parallel()
	for desc, want := range map[string]int{
		"Bad Request: chat not found":            400,
		"Forbidden: bot was blocked by the user": 403,
		"Too Many Requests: retry after 5":       429,
		"Unauthorized":                           401,
		"Not Found":                              404,
		"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running": 409,
		"Internal Server Error": 500,
	} {
		require.Equal(t, want, telegramCodeFromDescription(desc, 0), desc)
	}
	require.Equal(t, 429, telegramCodeFromDescription("", 3))

	// Classification of Bot API errors the stand-in does not produce.
	ch := &Telegram{}
	for _, tt := range []struct {
		err  *tgbotapi.Error
		want func(error) bool
	}{
		{&tgbotapi.Error{Code: 400, Message: "Bad Request: can't parse entities: Unsupported start tag \"p\" at byte offset 0"}, IsPermanent},
		{&tgbotapi.Error{Code: 403, Message: "Forbidden: user is deactivated"}, IsUnreachable},
		{&tgbotapi.Error{Code: 403, Message: "Forbidden: bot was kicked from the group chat"}, IsUnreachable},
		{&tgbotapi.Error{Code: 502, Message: "Bad Gateway"}, func(err error) bool { return !IsPermanent(err) }},
	} {
		require.True(t, tt.want(ch.classify("telegram sendMessage to chat 1", tt.err, 0)), tt.err.Message)
	}
	after, ok := RetryAfter(ch.classify("x", &tgbotapi.Error{Code: 429, Message: "Too Many Requests: retry after 99999999"}, 0))
	require.True(t, ok)
	require.Equal(t, DefaultRetryAfter, after, "no retry_after parameter")
	after, _ = RetryAfter(ch.classify("x", &tgbotapi.Error{Code: 429, ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 99999999}}, 0))
	require.Equal(t, MaxRetryAfter, after, "capped")
}

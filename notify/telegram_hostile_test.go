package notify

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// Text the API accepts (HTML, SQL, right-to-left marks, emoji) reaches the
// user verbatim: escaped for the parse mode on the wire, never markup.
func TestTelegramHostileText(t *testing.T) {
	t.Parallel()
	values := []string{
		"<script>alert(1)</script>",
		`<a href="https://evil.example">click</a> & <b>bold</b>`,
		"'; DROP TABLE job_schedules; --",
		"\u202Egnp.exe\u200F name",
		"📈 AAPL 🚀👍🏽👨‍👩‍👧",
	}
	for _, mode := range []string{TelegramPlainText, TelegramHTML, TelegramMarkdownV2} {
		t.Run("mode="+mode, func(t *testing.T) {
			t.Parallel()
			b := setupTelegram(t, telegramtest.Options{NoLimits: true}, WithTelegramParseMode(mode), WithTelegramUnpaced())
			for i, v := range values {
				chat := int64(100 + i)
				_, err := b.ch.Send(context.Background(), Destination{TelegramChatID: chat}, tgMessage(v))
				require.NoError(t, err, v)
				got := b.srv.Messages(chat)
				require.Len(t, got, 1)
				require.Equal(t, mode, got[0].ParseMode)
				require.Equal(t, v, got[0].Plain, "the user sees the text verbatim")
				switch mode {
				case TelegramPlainText:
					require.Equal(t, v, got[0].Text, "plain text is sent as is")
				case TelegramHTML:
					require.Equal(t, EscapeTelegramHTML(v), got[0].Text)
				case TelegramMarkdownV2:
					require.Equal(t, EscapeTelegramMarkdownV2(v), got[0].Text)
				}
			}
			if mode == TelegramHTML {
				require.Equal(t, "&lt;script&gt;alert(1)&lt;/script&gt;", b.srv.Messages(100)[0].Text,
					"what the Bot API received")
			}

			// A photo caption and a bot reply (SendText, plain) are escaped alike.
			_, err := b.ch.SendPhoto(context.Background(), 200, chartPNG(t), values[0], SendOptions{})
			require.NoError(t, err)
			_, err = b.ch.SendText(context.Background(), 201, values[0], SendOptions{})
			require.NoError(t, err)
			for _, chat := range []int64{200, 201} {
				got := b.srv.Messages(chat)
				require.Len(t, got, 1)
				require.Equal(t, values[0], got[0].Plain)
				if mode == TelegramHTML {
					require.Equal(t, "&lt;script&gt;alert(1)&lt;/script&gt;", got[0].Text)
				}
			}
		})
	}

	// The longest notify message (20000 characters) of emoji arrives whole,
	// in parts cut between characters.
	b := setupTelegram(t, telegramtest.Options{NoLimits: true}, WithTelegramParseMode(TelegramHTML), WithTelegramUnpaced())
	long := strings.Repeat("😀", 20000)
	_, err := b.ch.Send(context.Background(), Destination{TelegramChatID: 300}, tgMessage(long))
	require.NoError(t, err)
	var joined strings.Builder
	got := b.srv.Messages(300)
	require.Greater(t, len(got), 1)
	for _, m := range got {
		joined.WriteString(m.Plain)
	}
	require.Equal(t, long, joined.String())
}

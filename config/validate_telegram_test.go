package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const testToken = "123456789:AAE-real-looking-token"

func TestValidateTelegramWebhook(t *testing.T) {
	t.Parallel()
	key := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tt := range []struct {
		name   string
		modify func(c *Config)
		key    string
		msg    string
	}{
		{"HTTPPublicURL", func(c *Config) { c.TelegramBotToken = testToken; c.PublicURL = "http://vigil.example.com" },
			"public_url (VIGIL_PUBLIC_URL)", `"http://vigil.example.com" is not https://: Telegram delivers webhooks (telegram_webhook) only to HTTPS URLs`},
		{"Port", func(c *Config) { c.TelegramBotToken = testToken; c.PublicURL = "https://vigil.example.com:8001" },
			"public_url (VIGIL_PUBLIC_URL)", "has port 8001: Telegram delivers webhooks (telegram_webhook) only to ports 443, 80, 88 and 8443"},
		{"RemoteEndpointHTTP", func(c *Config) {
			c.TelegramBotToken, c.TelegramAPIEndpoint, c.PublicURL = testToken, "https://bots.example.com", "http://vigil.example.com"
		}, "public_url (VIGIL_PUBLIC_URL)", "is not https://"},
		{"NoSecret", func(c *Config) { c.SecretKey = "" }, "telegram_webhook (VIGIL_TELEGRAM_WEBHOOK)",
			"needs telegram_webhook_secret (VIGIL_TELEGRAM_WEBHOOK_SECRET) or secret_key"},
		{"BadSecret", func(c *Config) { c.TelegramWebhookSecret = "bot:token-with-colon" }, "telegram_webhook_secret (VIGIL_TELEGRAM_WEBHOOK_SECRET)",
			"must be 16-256 characters of A-Z, a-z, 0-9, _ and -"},
		{"ShortSecret", func(c *Config) { c.TelegramWebhookSecret = "short" }, "telegram_webhook_secret (VIGIL_TELEGRAM_WEBHOOK_SECRET)",
			"must be 16-256 characters"},
		{"NoAPI", func(c *Config) { c.APIAddr = "" }, "telegram_webhook (VIGIL_TELEGRAM_WEBHOOK)", "needs api_addr"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			c.TelegramWebhook, c.SecretKey = true, key
			tt.modify(&c)
			ps := problems(t, c)
			require.Len(t, ps, 1, "%v", ps)
			require.Equal(t, tt.key, ps[0].Key)
			require.Contains(t, ps[0].Message, tt.msg)
		})
	}

	for _, tt := range []struct {
		name   string
		modify func(c *Config)
	}{
		{"StandIn", func(c *Config) {}}, // no token: serve's stand-in, http://localhost:8001 is fine
		{"LoopbackEndpoint", func(c *Config) { c.TelegramBotToken, c.TelegramAPIEndpoint = testToken, "http://127.0.0.1:8081" }},
		{"LocalhostEndpoint", func(c *Config) {
			c.TelegramBotToken, c.TelegramAPIEndpoint = testToken, "http://localhost:8081/bot%s/%s"
		}},
		{"HTTPS", func(c *Config) { c.TelegramBotToken, c.PublicURL = testToken, "https://vigil.example.com" }},
		{"HTTPS8443", func(c *Config) { c.TelegramBotToken, c.PublicURL = testToken, "https://vigil.example.com:8443/" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			c.TelegramWebhook, c.SecretKey = true, key
			tt.modify(&c)
			require.NoError(t, c.Validate())
		})
	}
}

func TestTelegramWebhookSecrets(t *testing.T) {
	t.Parallel()
	c := Default()
	c.TelegramWebhookSecret = "configured_secret-123"
	got, err := c.TelegramWebhookSecrets()
	require.NoError(t, err)
	require.Equal(t, []string{"configured_secret-123"}, got)

	c.TelegramWebhookSecret = ""
	_, err = c.TelegramWebhookSecrets()
	require.ErrorContains(t, err, "telegram_webhook_secret is empty and secret_key cannot derive one")

	c.SecretKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	c.SecretKeyPrevious = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	got, err = c.TelegramWebhookSecrets()
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Regexp(t, `^[0-9a-f]{64}$`, got[0]) // a valid secret_token
	require.NotEqual(t, got[0], got[1])
	again, err := c.TelegramWebhookSecrets()
	require.NoError(t, err)
	require.Equal(t, got, again, "derived deterministically: every process registers and checks the same")
	require.Equal(t, "http://localhost:8001/telegram/webhook", c.TelegramWebhookURL())
}

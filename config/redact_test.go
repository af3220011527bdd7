package config

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedacted(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]string{
		"postgres://vigil:hunter2@db:5432/vigil?sslmode=disable": "postgres://vigil:xxxxx@db:5432/vigil?sslmode=disable",
		"postgres://db/vigil?password=hunter2&user=vigil":        "postgres://db/vigil?password=xxxxx&user=vigil",
		"postgres://vigil@db/vigil":                              "postgres://vigil@db/vigil",
		"host=db password=hunter2 dbname=vigil":                  "host=db password=xxxxx dbname=vigil",
		"host=db password='hun ter2' application_name='a b'":     "host=db password=xxxxx application_name='a b'",
		"password='hunter2":                                      "xxxxx",
		"postgres://vigil:hunter2@db:port/x":                     "xxxxx",
	} {
		require.Equal(t, want, RedactDatabaseURL(in), in)
	}

	c := Default()
	c.DatabaseURL = "postgres://vigil:hunter2@db/vigil"
	c.TelegramBotToken = "123:hunter2"
	c.WebhookSecret = "hunter2"
	r := c.Redacted()
	require.Equal(t, "postgres://vigil:xxxxx@db/vigil", r.DatabaseURL)
	require.Equal(t, "xxxxx", r.TelegramBotToken)
	require.Equal(t, "xxxxx", r.WebhookSecret)
	require.Equal(t, "123:hunter2", c.TelegramBotToken, "the receiver is unchanged")

	r.Jobs[JobReport] = JobType{}
	require.NotEqual(t, JobType{}, c.Jobs[JobReport], "Redacted copies Jobs")

	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%+v", c)} {
		require.NotContains(t, s, "hunter2")
		require.Contains(t, s, `"database_url": "postgres://vigil:xxxxx@db/vigil"`)
	}
	require.Contains(t, Default().String(), `"webhook_secret": ""`, "unset secrets stay empty")
}

package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLogSend(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ch := &Log{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	require.Equal(t, "log", ch.Name())

	receipt, err := ch.Send(context.Background(), Destination{}, testMessage())
	require.NoError(t, err)
	require.Equal(t, Receipt{}, receipt)

	var rec map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	require.Equal(t, "notification", rec["msg"])
	require.Equal(t, "log", rec["channel"])
	require.Equal(t, "0f8fad5b-d9cb-469f-a165-70867728950e", rec["message_id"])
	require.Equal(t, float64(42), rec["user_id"])
	require.Equal(t, "high", rec["priority"])
	require.Equal(t, "alert", rec["notification_type"])
	require.Equal(t, float64(2), rec["attempt"])
	require.Equal(t, testMessage().Text, rec["text"])
}

func TestChannelNames(t *testing.T) {
	t.Parallel()
	require.Equal(t, "webhook", (&Webhook{}).Name())
	require.Equal(t, "log", (&Log{}).Name())
}

package jobs

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/notify"
)

const (
	testSecretKey  = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	testSecretKey2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
)

// signedRequest is what the receiver got on one path.
type signedRequest struct {
	timestamp, signature string
	body                 []byte
}

// Each user's webhook requests are signed with that user's own secret, so a
// receiver verifying with another user's secret, or the shared one, refuses
// them; a user without a secret keeps the shared one. After a key rotation
// (new key current, old key previous, `vigil secrets rotate`) every secret is
// re-sealed under the new key and deliveries still verify.
func TestWebhookSignedWithUsersOwnSecret(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	var mu sync.Mutex
	got := map[string]signedRequest{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.URL.Path] = signedRequest{r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), body}
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)

	cfg := testConfig()
	cfg.SecretKey = testSecretKey
	kr, err := cfg.Keyring()
	require.NoError(t, err)
	alice := outageUser(t, d, "alice", 0, recv.URL+"/alice")
	bob := outageUser(t, d, "bob", 0, recv.URL+"/bob")
	carol := outageUser(t, d, "carol", 0, recv.URL+"/carol") // no secret of her own
	secrets := map[int64]string{}
	for _, uid := range []int64{alice, bob} {
		require.NoError(t, pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
			s, err := store.RotateWebhookSecret(ctx, tx, kr, audit.Entry{Owner: uid, Source: audit.SourceCLI})
			secrets[uid] = s
			return err
		}))
	}
	shared := []byte("shared-secret")

	deliverAll := func(cfgKey string, previous string) {
		t.Helper()
		c := cfg
		c.SecretKey, c.SecretKeyPrevious = cfgKey, previous
		client, err := NewClient(workDeps(Deps{Pool: d.Pool, Config: c, Logger: testLogger(t), Work: true,
			Channels: map[string]notify.Channel{notify.ChannelWebhook: &notify.Webhook{Secret: shared}}}))
		require.NoError(t, err)
		require.NoError(t, client.Start(ctx))
		defer func() { _ = client.Shutdown(context.Background(), time.Second) }()
		mu.Lock()
		clear(got)
		mu.Unlock()
		for _, uid := range []int64{alice, bob, carol} {
			_, err := client.Insert(ctx, NewNotifyArgs(uid, "signed", "normal", "alert"), InsertOpts(c, config.JobNotification))
			require.NoError(t, err)
		}
		eventually(t, "three webhooks received", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 })
	}
	verify := func(path string, secret []byte) error {
		mu.Lock()
		r := got[path]
		mu.Unlock()
		return notify.Verify(secret, r.timestamp, r.signature, r.body, time.Now(), time.Minute)
	}
	check := func() {
		t.Helper()
		require.NoError(t, verify("/alice", []byte(secrets[alice])), "alice's own secret verifies")
		require.Error(t, verify("/alice", []byte(secrets[bob])), "bob's secret does not verify alice's messages")
		require.Error(t, verify("/alice", shared), "nor does the shared secret")
		require.NoError(t, verify("/bob", []byte(secrets[bob])))
		require.NoError(t, verify("/carol", shared), "a user without a secret of her own keeps the shared one")
	}
	deliverAll(testSecretKey, "")
	check()

	// Rotate the key: the new one is current, the old one previous.
	rotated := cfg
	rotated.SecretKey, rotated.SecretKeyPrevious = testSecretKey2, testSecretKey
	kr2, err := rotated.Keyring()
	require.NoError(t, err)
	var res store.ResealResult
	require.NoError(t, pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		res, err = store.ResealSecrets(ctx, tx, kr2, audit.Entry{Source: audit.SourceCLI})
		return err
	}))
	require.Equal(t, store.ResealResult{Checked: 2, Resealed: 2}, res)
	var stale int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM users WHERE webhook_secret NOT LIKE $1",
		"v1."+kr2.KeyID()+".%").Scan(&stale))
	require.Zero(t, stale, "every secret re-sealed under the new key")
	deliverAll(testSecretKey2, "") // the old key is no longer needed
	check()
}

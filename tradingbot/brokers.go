package tradingbot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vigilhq/vigil/broker"
	"github.com/vigilhq/vigil/broker/alpaca"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/secrets"
)

// Brokers opens the broker client a bot's orders go to, by the bot's owner
// and broker name (broker.Alpaca).
type Brokers interface {
	// Broker returns the owner's client; an error wrapping
	// broker.ErrNoCredentials when the owner has none.
	Broker(ctx context.Context, q dbsqlc.DBTX, userID int64, name string) (broker.Broker, error)
}

// AlpacaBrokers resolves Alpaca credentials: the owner's own row of
// broker_credentials (PUT /api/me/brokers/alpaca), opened with Keyring; or,
// when the owner has none and is an admin (users.is_admin), the operator's
// own account (Operator: VIGIL_ALPACA_KEY_ID / VIGIL_ALPACA_SECRET_KEY). A
// client is kept per owner until its credentials change, so that its
// connectivity (broker.Status) accumulates.
type AlpacaBrokers struct {
	Keyring *secrets.Keyring
	// Operator is the operator's account (KeyID "" none). Its BaseURL, and
	// BaseURL for per-user credentials without their own, default to
	// alpaca.PaperURL.
	Operator alpaca.Config
	// BaseURL is the API base URL of per-user credentials that set none
	// (default alpaca.PaperURL); tests and `make run` point it at a stand-in.
	BaseURL string
	// Configure, when set, adjusts every client's configuration (tests:
	// retries and backoff).
	Configure func(*alpaca.Config)

	mu      sync.Mutex
	clients map[int64]cachedBroker
}

type cachedBroker struct {
	key    string // key id, base URL and the row's updated_at: a change opens a new client
	client broker.Broker
}

var _ Brokers = (*AlpacaBrokers)(nil)

// Broker returns userID's Alpaca client.
func (a *AlpacaBrokers) Broker(ctx context.Context, q dbsqlc.DBTX, userID int64, name string) (broker.Broker, error) {
	if name != broker.Alpaca {
		return nil, fmt.Errorf("broker %q: only alpaca places orders at a real broker", name)
	}
	cfg, stamp, err := a.config(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = alpaca.PaperURL
	}
	key := cfg.KeyID + "|" + cfg.BaseURL + "|" + stamp
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[userID]; ok && c.key == key {
		return c.client, nil
	}
	if a.Configure != nil {
		a.Configure(&cfg)
	}
	c, err := alpaca.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("alpaca client of user %d: %w", userID, err)
	}
	if a.clients == nil {
		a.clients = map[int64]cachedBroker{}
	}
	a.clients[userID] = cachedBroker{key: key, client: c}
	return c, nil
}

// config is userID's Alpaca configuration and a stamp that changes with it.
func (a *AlpacaBrokers) config(ctx context.Context, q dbsqlc.DBTX, userID int64) (alpaca.Config, string, error) {
	if a.Keyring.Enabled() {
		c, err := store.GetBrokerCredentials(ctx, q, a.Keyring, userID, broker.Alpaca)
		switch {
		case err == nil:
			base := c.BaseURL
			if base == "" {
				base = a.BaseURL
			}
			return alpaca.Config{KeyID: c.KeyID, SecretKey: c.SecretKey, BaseURL: base}, c.UpdatedAt.Format(time.RFC3339Nano), nil
		case !errors.Is(err, db.ErrNotFound):
			return alpaca.Config{}, "", err
		}
	}
	if a.Operator.KeyID != "" {
		u, err := dbsqlc.New().UserGetByID(ctx, q, userID)
		if err != nil {
			return alpaca.Config{}, "", fmt.Errorf("owner %d of an alpaca bot: %w", userID, err)
		}
		if u.IsAdmin {
			return a.Operator, "operator", nil
		}
	}
	return alpaca.Config{}, "", fmt.Errorf("user %d: %w for alpaca: PUT /api/me/brokers/alpaca", userID, broker.ErrNoCredentials)
}

// HasCredentials reports whether userID's alpaca bots have an account:
// their own credentials or, for an admin, the operator's.
func (a *AlpacaBrokers) HasCredentials(ctx context.Context, q dbsqlc.DBTX, userID int64) (bool, error) {
	_, _, err := a.config(ctx, q, userID)
	if errors.Is(err, broker.ErrNoCredentials) {
		return false, nil
	}
	return err == nil, err
}

// NewAlpacaBrokers resolves Alpaca accounts with kr (nil: no per-user
// credentials), the operator's account keyID/secret ("" none) and the API's
// baseURL (config alpaca_base_url; "" alpaca.PaperURL) for both.
func NewAlpacaBrokers(kr *secrets.Keyring, keyID, secret, baseURL string) *AlpacaBrokers {
	a := &AlpacaBrokers{Keyring: kr, BaseURL: baseURL}
	if keyID != "" && secret != "" {
		a.Operator = alpaca.Config{KeyID: keyID, SecretKey: secret, BaseURL: baseURL}
	}
	return a
}

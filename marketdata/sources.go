package marketdata

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Sources gives one Manager per data source (provider name, as
// NewProvider takes it), created on first use and shared, so that each
// source has one cache, one rate limit and one write-through. The alert,
// screener and report workers use the configured source's Manager; a
// data_processing job names its own.
//
// Sources is safe for concurrent use.
type Sources struct {
	opts  ProviderOptions
	store Store
	ttl   time.Duration
	log   *slog.Logger

	mu     sync.Mutex
	byName map[string]*Manager
}

// NewSources returns Sources whose providers are built with opts, whose
// Managers cache for ttl (SCHEDULER_DATA_CACHE_TTL), save to store (nil:
// none) and log to log (nil: discarded). Each Manager is paced at
// DefaultRateLimit of its provider.
func NewSources(opts ProviderOptions, store Store, ttl time.Duration, log *slog.Logger) *Sources {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sources{opts: opts, store: store, ttl: ttl, log: log, byName: map[string]*Manager{}}
}

// Manager returns the Manager of the named source; an unknown name is an
// error naming the sources there are.
func (s *Sources) Manager(name string) (*Manager, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.byName[name]; ok {
		return m, nil
	}
	p, err := NewProvider(name, s.opts)
	if err != nil {
		return nil, fmt.Errorf("market data source %q: %w", name, err)
	}
	m := NewManager(p, s.store, s.ttl, s.log)
	m.SetRateLimit(DefaultRateLimit(p.Name()), 5)
	s.byName[name] = m
	return m, nil
}

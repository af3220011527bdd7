package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// loadEnv applies the environment over c. It reports every variable that
// does not parse, not just the first.
func (c *Config) loadEnv(getenv func(string) (string, bool)) error {
	set := make(map[string]bool)
	var errs []error
	for _, s := range settings() {
		name, value, ok, err := lookup(getenv, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		switch err := setString(c, s.Key, value); {
		case errors.Is(err, errEmpty):
			// An empty number, duration or boolean means unset.
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		default:
			set[s.Key] = true
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	reconcile(c, set)
	return nil
}

// lookup returns the first of s's variables that is set to a non-empty value
// (or, failing that, the first set to ""), reading <VAR>_FILE for secrets.
func lookup(getenv func(string) (string, bool), s setting) (name, value string, ok bool, err error) {
	var emptyName string
	var sawEmpty bool
	for _, env := range s.envs {
		v, found, err := lookupOne(getenv, env, s.secret)
		if err != nil {
			return env, "", false, err
		}
		if !found {
			continue
		}
		if v != "" {
			return env, v, true, nil
		}
		if !sawEmpty {
			emptyName, sawEmpty = env, true
		}
	}
	return emptyName, "", sawEmpty, nil
}

// lookupOne reads variable env, or for a secret the trimmed contents of the
// file named by env_FILE.
func lookupOne(getenv func(string) (string, bool), env string, secret bool) (string, bool, error) {
	v, ok := getenv(env)
	if !secret {
		return v, ok, nil
	}
	path, fileOK := getenv(env + "_FILE")
	switch {
	case ok && fileOK:
		return "", false, fmt.Errorf("%s and %s_FILE are both set; set one", env, env)
	case !fileOK:
		return v, ok, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false, fmt.Errorf("%s_FILE: %w", env, err)
	}
	return strings.TrimSpace(string(b)), true, nil
}

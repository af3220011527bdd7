package config

import (
	"encoding/json"
	"maps"
	"reflect"
)

// Redacted returns a copy of c fit for printing: every secret setting of
// Table is replaced by "xxxxx", except that the database URLs keep all but their
// password. Unset secrets stay empty, so the output still shows what is set.
func (c Config) Redacted() Config {
	c.Jobs = maps.Clone(c.Jobs)
	for _, s := range settings() {
		if !s.secret {
			continue
		}
		must(visit(&c, s.Key, func(v reflect.Value) error {
			switch {
			case v.String() == "":
			case s.Key == "database_url", s.Key == "pooled_database_url":
				v.SetString(RedactDatabaseURL(v.String()))
			default:
				v.SetString("xxxxx")
			}
			return nil
		}))
	}
	return c
}

// String returns c, redacted, as indented JSON in the config file's format,
// so printing a Config never shows a secret.
func (c Config) String() string {
	b, err := json.MarshalIndent(c.Redacted(), "", "  ")
	if err != nil {
		return "config: " + err.Error()
	}
	return string(b)
}

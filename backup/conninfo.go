package backup

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// conn is a database URL split for a client program: Conninfo carries
// everything but the password and is safe to show; Password goes to the
// program through PGPASSWORD, so it is on no command line, log or error.
type conn struct {
	Conninfo string
	Password string
}

// splitPassword removes the password from a libpq connection string, in URL
// form (postgres://user:pw@host/db?password=pw) or keyword/value form
// (host=h password='pw').
func splitPassword(dbURL string) (conn, error) {
	s := strings.TrimSpace(dbURL)
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		return splitURLPassword(s)
	}
	return splitKeywordPassword(s)
}

// splitURLPassword strips the password from the userinfo and the query of a
// URL. It does not use net/url for the authority, which rejects libpq's
// multi-host form (postgres://h1:5432,h2:5433/db).
func splitURLPassword(s string) (conn, error) {
	scheme, rest, _ := strings.Cut(s, "://")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	var pw string
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		userinfo, hosts := authority[:at], authority[at+1:]
		if user, enc, ok := strings.Cut(userinfo, ":"); ok {
			p, err := url.PathUnescape(enc)
			if err != nil {
				return conn{}, errors.New("parse database url: bad escape in password")
			}
			pw = p
			userinfo = user
		}
		authority = userinfo + "@" + hosts
	}
	path, query, hasQuery := strings.Cut(tail, "?")
	if hasQuery {
		var kept []string
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if k == "password" {
				p, err := url.QueryUnescape(v)
				if err != nil {
					return conn{}, errors.New("parse database url: bad escape in password parameter")
				}
				pw = p
				continue
			}
			kept = append(kept, kv)
		}
		tail = path
		if len(kept) > 0 {
			tail += "?" + strings.Join(kept, "&")
		}
	}
	return conn{Conninfo: scheme + "://" + authority + tail, Password: pw}, nil
}

// splitKeywordPassword parses libpq's keyword/value form (values unquoted or
// single-quoted, backslash escapes) and writes it back without password.
func splitKeywordPassword(s string) (conn, error) {
	var (
		out []string
		pw  string
		i   int
	)
	skipSpace := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	for {
		skipSpace()
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[start:i]
		skipSpace()
		if i >= len(s) || s[i] != '=' {
			return conn{}, fmt.Errorf("parse connection string: missing \"=\" after %q", key)
		}
		i++
		skipSpace()
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '\'' {
					closed = true
					i++
					break
				}
				val.WriteByte(c)
				i++
			}
			if !closed {
				return conn{}, fmt.Errorf("parse connection string: unterminated quoted value for %q", key)
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
		}
		if key == "password" {
			pw = val.String()
			continue
		}
		out = append(out, key+"='"+strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(val.String())+"'")
	}
	return conn{Conninfo: strings.Join(out, " "), Password: pw}, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// env is the environment for a client program: ours, plus the password and an
// application name for pg_stat_activity.
func (c conn) env(environ []string) []string {
	env := append([]string(nil), environ...)
	env = append(env, "PGAPPNAME=vigil-backup")
	if c.Password != "" {
		env = append(env, "PGPASSWORD="+c.Password)
	}
	return env
}

// scrub hides the password in err's message, should anything have echoed it.
// Short passwords are left alone: replacing them would garble the message and
// they cannot have come from us, since we never pass the password in text.
func (c conn) scrub(err error) error {
	if err == nil || len(c.Password) < 4 || !strings.Contains(err.Error(), c.Password) {
		return err
	}
	return &scrubbedError{msg: strings.ReplaceAll(err.Error(), c.Password, "xxxxx"), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

package config

import (
	"errors"
	"net/url"
	"strings"
)

// Database URLs come as a URL (postgres://user:pass@host/db) or a libpq
// keyword/value DSN (host=db user=vigil password='a b'). pgx takes both.

// checkDatabaseURL says what is wrong with s, without repeating s, which may
// hold a password.
func checkDatabaseURL(s string) error {
	if scheme, _, ok := strings.Cut(s, "://"); ok {
		if strings.HasPrefix(scheme, "postgresql+") {
			return errors.New("scheme " + scheme + " is SQLAlchemy's; use postgres:// or postgresql://")
		}
		u, err := url.Parse(s)
		if err != nil {
			return errors.New("is not a valid URL")
		}
		if u.Scheme != "postgres" && u.Scheme != "postgresql" {
			return errors.New("scheme " + u.Scheme + " is not postgres or postgresql")
		}
		return nil
	}
	if _, err := parseDSN(s); err != nil {
		return errors.New("is neither a postgres:// URL nor a key=value DSN: " + err.Error())
	}
	return nil
}

// RedactDatabaseURL hides the password of a database URL or key=value DSN
// (user:password@, ?password=, password=...) for logs and messages, or all
// of s when it does not parse.
func RedactDatabaseURL(s string) string {
	const hidden = "xxxxx"
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return hidden
		}
		if q := u.Query(); q.Has("password") {
			q.Set("password", hidden)
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	pairs, err := parseDSN(s)
	if err != nil {
		return hidden
	}
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(' ')
		}
		if p[0] == "password" {
			p[1] = hidden
		}
		b.WriteString(p[0] + "=" + quoteDSN(p[1]))
	}
	return b.String()
}

// parseDSN splits a keyword/value connection string into its pairs.
func parseDSN(s string) ([][2]string, error) {
	var pairs [][2]string
	rest := strings.TrimLeft(s, " \t\n\r")
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return nil, errors.New("a keyword has no =")
		}
		key := strings.TrimRight(rest[:eq], " \t\n\r")
		if key == "" || strings.ContainsAny(key, " \t\n\r'\\") {
			return nil, errors.New("a keyword is empty or has spaces")
		}
		rest = strings.TrimLeft(rest[eq+1:], " \t\n\r")
		var val strings.Builder
		quoted := strings.HasPrefix(rest, "'")
		if quoted {
			rest = rest[1:]
		}
		closed := !quoted
		i := 0
	scan:
		for ; i < len(rest); i++ {
			switch ch := rest[i]; {
			case ch == '\\' && i+1 < len(rest):
				i++
				val.WriteByte(rest[i])
			case quoted && ch == '\'':
				closed = true
				i++
				break scan
			case !quoted && strings.IndexByte(" \t\n\r", ch) >= 0:
				break scan
			default:
				val.WriteByte(ch)
			}
		}
		if !closed {
			return nil, errors.New("a quoted value is not closed")
		}
		pairs = append(pairs, [2]string{key, val.String()})
		rest = strings.TrimLeft(rest[i:], " \t\n\r")
	}
	if len(pairs) == 0 {
		return nil, errors.New("it is empty")
	}
	return pairs, nil
}

// quoteDSN quotes a DSN value when it needs it.
func quoteDSN(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

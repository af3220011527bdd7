package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// email checks the SMTP settings and public_url.
func (v *validator) email(c Config) {
	between(v, "smtp_port", c.SMTPPort, 1, 65535)
	v.oneOf("smtp_tls", c.SMTPTLS, "starttls", "tls", "none")
	if h := c.SMTPHost; h != "" && (strings.ContainsAny(h, " \t\r\n/") || strings.Contains(h, "://")) {
		v.add("smtp_host", "%q is not a host name or address (no scheme, port or path: set smtp_port)", h)
	}
	if c.SMTPFrom != "" {
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			v.add("smtp_from", "%q is not a mail address like \"Vigil <alerts@example.com>\": %v", c.SMTPFrom, err)
		}
	}
	if c.SMTPHost != "" {
		if c.SMTPFrom == "" {
			v.add("smtp_from", "is required when smtp_host is set")
		}
		if c.SecretKey == "" {
			v.add("smtp_host", "needs secret_key (VIGIL_SECRET_KEY): it signs the preference links in every mail")
		}
	}
	if (c.SMTPUsername == "") != (c.SMTPPassword == "") {
		v.add("smtp_username", "smtp_username and smtp_password go together: set both or neither")
	}
	if err := checkPublicURL(c.PublicURL); err != nil {
		v.add("public_url", "%v", err)
	}
}

// checkPublicURL accepts an absolute http or https URL with a host and no
// query or fragment.
func checkPublicURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return fmt.Errorf("is required: the base URL people reach the API at, like https://vigil.example.com")
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q is not an http:// or https:// URL", s)
	case u.Host == "":
		return fmt.Errorf("%q has no host", s)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return fmt.Errorf("%q must not have user info, a query or a fragment", s)
	}
	return nil
}

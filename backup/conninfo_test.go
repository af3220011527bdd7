package backup

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, conninfo, password string
	}{
		{"postgres://u:s3cr%40t@db:5432/vigil?sslmode=disable", "postgres://u@db:5432/vigil?sslmode=disable", "s3cr@t"},
		{"postgresql://u@db/vigil", "postgresql://u@db/vigil", ""},
		{"postgres://db/vigil?password=p%26w&sslmode=require", "postgres://db/vigil?sslmode=require", "p&w"},
		{"postgres://u:pw@h1:5432,h2:5433/vigil", "postgres://u@h1:5432,h2:5433/vigil", "pw"},
		{"postgres://u:pw@db", "postgres://u@db", "pw"},
		{"host=db  password = secret dbname=vigil", "host='db' dbname='vigil'", "secret"},
		{`host=db password='a b\'c' sslmode=disable`, "host='db' sslmode='disable'", "a b'c"},
		{"", "", ""},
	} {
		c, err := splitPassword(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.conninfo, c.Conninfo, tc.in)
		require.Equal(t, tc.password, c.Password, tc.in)
	}
	_, err := splitPassword("host=db password='open")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "open")
}

func TestConnEnvAndScrub(t *testing.T) {
	t.Parallel()
	c := conn{Conninfo: "postgres://u@db/vigil", Password: "hunter22"}
	env := c.env([]string{"PATH=/bin", "PGPASSWORD=old"})
	require.Equal(t, "PGPASSWORD=hunter22", env[len(env)-1], "the URL's password wins over an inherited one")
	require.True(t, slices.Contains(env, "PGAPPNAME=vigil-backup"))

	base := errors.New("boom")
	err := c.scrub(errors.Join(base, errors.New("postgres://u:hunter22@db")))
	require.NotContains(t, err.Error(), "hunter22")
	require.ErrorIs(t, err, base)
	require.Nil(t, c.scrub(nil))
}

package schedules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefinitionText(t *testing.T) {
	t.Parallel()
	ok := Definition{Name: "<script>alert(1)</script> 📈 \u202E", Target: "'; DROP TABLE job_schedules; --", Cron: "0 9 * * *",
		Timezone: "UTC", TaskParams: json.RawMessage(`{"message":"caf\u00e9"}`)}
	require.NoError(t, ok.checkText())
	ok.Name = strings.Repeat("é", MaxNameLen) // characters, not bytes
	require.NoError(t, ok.checkText())

	for _, c := range []struct {
		change      func(*Definition)
		field, want string
	}{
		{func(d *Definition) { d.Name = "a\x00b" }, "name", "must not contain NUL (U+0000), found at byte 1"},
		{func(d *Definition) { d.Target = "x\xff" }, "target", "must be valid UTF-8"},
		{func(d *Definition) { d.Timezone = "UTC\x00" }, "timezone", "must not contain NUL"},
		{func(d *Definition) { d.TaskParams = json.RawMessage(`{"message":"\u0000"}`) }, "task_params.message", "must not contain NUL"},
		{func(d *Definition) { d.Name = strings.Repeat("😀", MaxNameLen+1) }, "name", "must be at most 255 characters (is 256)"},
		{func(d *Definition) { d.Target = strings.Repeat("x", MaxTargetLen+1) }, "target", "at most 255 characters"},
		{func(d *Definition) { d.Cron = strings.Repeat("*", MaxCronLen+1) }, "cron", "at most 100 characters"},
	} {
		d := ok
		c.change(&d)
		err := d.checkText()
		e, isErr := AsError(err)
		require.True(t, isErr, "%v", err)
		require.Equal(t, KindInvalid, e.Kind)
		require.Equal(t, c.field, e.Field)
		require.Contains(t, e.Msg, c.want)
	}
}

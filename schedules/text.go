package schedules

import (
	"fmt"
	"unicode/utf8"

	"github.com/vigilhq/vigil/textcheck"
)

// Column limits of job_schedules, in characters.
const (
	MaxNameLen   = 255
	MaxTargetLen = 255
	MaxCronLen   = 100
)

// checkText refuses text the row cannot hold, whoever the caller: a NUL
// character or bytes that are not UTF-8 in the name, target, cron, time
// zone or task_params, and a name, target or cron longer than its column.
// The API and the bot refuse such input before it gets here; this keeps
// the CLI and the workers from failing in the database instead.
func (d *Definition) checkText() error {
	for _, f := range []struct {
		field, value string
		max          int
	}{{"name", d.Name, MaxNameLen}, {"target", d.Target, MaxTargetLen}, {"cron", d.Cron, MaxCronLen}, {"timezone", d.Timezone, 0}} {
		if err := textcheck.String(f.value); err != nil {
			return invalid(f.field, err.Error())
		}
		if n := utf8.RuneCountInString(f.value); f.max > 0 && n > f.max {
			return invalid(f.field, fmt.Sprintf("must be at most %d characters (is %d)", f.max, n))
		}
	}
	if found := textcheck.JSON(d.TaskParams, 1); len(found) > 0 {
		return invalid("task_params"+found[0].Path, found[0].Error())
	}
	return nil
}

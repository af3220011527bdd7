package schedules

import (
	"encoding/json"

	"github.com/vigilhq/vigil/schedule"
)

// Definition is what a caller sets on a schedule. Its fields are those of
// the API's ScheduleInput, in the same order, so that the API converts one
// into the other. Policy fields left nil use the configured defaults.
type Definition struct {
	Name       string
	JobType    string
	Target     string
	TaskParams json.RawMessage
	Cron       string
	Timezone   string
	Enabled    *bool

	MisfireGraceTime *int32
	Catchup          *string
	MaxCatchup       *int32
	Overlap          *string
	MaxInstances     *int32
	DstGap           string
	DstFold          string
	JitterSeconds    int32
	RemainingRuns    *int32
	PauseOnFailure   bool
}

// Normalize fills the defaults of omitted fields: task_params {}, time zone
// UTC, DST policies shift/first, enabled.
func (d *Definition) Normalize() {
	if len(d.TaskParams) == 0 || string(d.TaskParams) == "null" {
		d.TaskParams = json.RawMessage(`{}`)
	}
	if d.Timezone == "" {
		d.Timezone = "UTC"
	}
	if d.DstGap == "" {
		d.DstGap = string(schedule.GapShift)
	}
	if d.DstFold == "" {
		d.DstFold = string(schedule.FoldFirst)
	}
	if d.Enabled == nil {
		t := true
		d.Enabled = &t
	}
}

func (d *Definition) options() schedule.Options {
	return schedule.Options{Gap: schedule.GapPolicy(d.DstGap), Fold: schedule.FoldPolicy(d.DstFold)}
}

package schedule_test

import (
	"fmt"
	"time"

	"github.com/vigilhq/vigil/schedule"
)

func ExampleSchedule_Preview() {
	s, err := schedule.Parse("30 2 * * *", "America/New_York", schedule.Options{})
	if err != nil {
		panic(err)
	}
	after := time.Date(2027, 3, 13, 12, 0, 0, 0, time.UTC)
	for _, f := range s.Preview(after, 2) {
		fmt.Println(f.At.Format(time.RFC3339), f.Local.Format("15:04 MST"), f.Nominal, "shifted:", f.Shifted)
	}
	// Output:
	// 2027-03-14T07:00:00Z 03:00 EDT 2027-03-14 02:30:00 shifted: true
	// 2027-03-15T06:30:00Z 02:30 EDT 2027-03-15 02:30:00 shifted: false
}

func ExampleValidateFor() {
	err := schedule.ValidateFor("* * * * *", "Europe/Berlin", false, 5*time.Minute)
	fmt.Println(err)
	// Output:
	// expression: fires every 1m, more often than the allowed minimum of 5m
}

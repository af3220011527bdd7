package console

import "testing"

func TestCronWords(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]string{
		"* * * * *":      "every minute",
		"*/5 * * * *":    "every 5 minutes",
		"*/15 * * * * *": "every 15 seconds",
		"7 * * * *":      "every hour at minute 7",
		"0 18 * * 1-5":   "on weekdays (Monday to Friday) at 18:00",
		"35 16 * * 1-5":  "on weekdays (Monday to Friday) at 16:35",
		"30 9 * * *":     "every day at 09:30",
		"0 8 * * 1":      "every Monday at 08:00",
		"0 8 * * 0,6":    "on weekends at 08:00",
		"0 6 15 * *":     "on day 15 of every month at 06:00",
		"@daily":         "every day at 00:00",
		"@hourly":        "every hour, on the hour",
		"0 9-17 * * *":   "0 9-17 * * *",
		"0 0 1 1 *":      "0 0 1 1 *",
		"5 4 * * MON":    "5 4 * * MON",
		"not a cron":     "not a cron",
		"10 * * * * *":   "10 * * * * *",
		"0 30 9 * * *":   "every day at 09:30",
		"0 61 9 * * *":   "0 61 9 * * *",
		"0 0 32 * *":     "0 0 32 * *",
		"*/0 * * * *":    "*/0 * * * *",
		"  * * * * *  ":  "every minute",
		"1 2 3 4 5 6 7":  "1 2 3 4 5 6 7",
		"* * * * * *":    "every second",
		"0 0 * * 7":      "every Sunday at 00:00",
	} {
		if got := CronWords(expr); got != want {
			t.Errorf("CronWords(%q) = %q, want %q", expr, got, want)
		}
	}
}

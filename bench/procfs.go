package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat; the
// kernel reports 100 on every architecture Go supports.
const clockTicks = 100

// parseStatCPU returns utime+stime (clock ticks) from the contents of
// /proc/<pid>/stat. The command name may hold spaces and parentheses, so the
// fields are counted from the last ')'.
func parseStatCPU(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields after the command name", len(f))
	}
	u, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc stat utime: %w", err)
	}
	s, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc stat stime: %w", err)
	}
	return u + s, nil
}

// parseStatusRSS returns VmRSS in KiB from the contents of /proc/<pid>/status.
func parseStatusRSS(status []byte) (int64, error) {
	for line := range strings.SplitSeq(string(status), "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, errors.New("proc status: empty VmRSS")
		}
		kib, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc status VmRSS: %w", err)
		}
		return kib, nil
	}
	return 0, errors.New("proc status: no VmRSS line")
}

// procCPU reads a process's CPU time in clock ticks.
func procCPU(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

// procRSS reads a process's resident set size in KiB.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseStatusRSS(b)
}

// cpuPercent is the CPU used between two readings over wall seconds, in
// percent of one core.
func cpuPercent(ticksBefore, ticksAfter uint64, wallSeconds float64) float64 {
	if wallSeconds <= 0 || ticksAfter < ticksBefore {
		return 0
	}
	return float64(ticksAfter-ticksBefore) / clockTicks / wallSeconds * 100
}

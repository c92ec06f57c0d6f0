package sizing

import (
	"strconv"
	"strings"
)

// ParseCPU parses a Kubernetes CPU quantity ("500m", "2", "1.5") to
// millicores; false unless it is positive.
func ParseCPU(s string) (int, bool) {
	if v, ok := strings.CutSuffix(s, "m"); ok {
		n, err := strconv.Atoi(v)
		return n, err == nil && n > 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	return int(f * 1000), true
}

// ParseMemory parses a Kubernetes memory quantity with a binary suffix
// (Mi, Gi, Ti) to MiB; false unless it is positive.
func ParseMemory(s string) (int, bool) {
	for suffix, mult := range map[string]float64{"Gi": 1024, "Mi": 1, "Ti": 1024 * 1024} {
		if v, ok := strings.CutSuffix(s, suffix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 {
				return 0, false
			}
			return int(f * mult), true
		}
	}
	return 0, false
}

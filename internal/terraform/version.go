package terraform

import (
	"fmt"
	"strconv"
	"strings"
)

// version is a Kubernetes version as Terraform files spell it: "1.24",
// "1.22.15", sometimes with a leading "v".
type version struct {
	prefix string // "" or "v"
	nums   []int  // major, minor and optionally patch
}

// parseVersion reads "1.24", "1.22.15" or "v1.24.7".
func parseVersion(s string) (version, bool) {
	v := version{}
	rest := s
	if strings.HasPrefix(rest, "v") {
		v.prefix, rest = "v", rest[1:]
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return version{}, false
	}
	for _, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') {
			return version{}, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strings.ContainsAny(p, "+-") {
			return version{}, false
		}
		v.nums = append(v.nums, n)
	}
	return v, true
}

func (v version) hasPatch() bool { return len(v.nums) == 3 }

func (v version) minor() string { return fmt.Sprintf("%d.%d", v.nums[0], v.nums[1]) }

func (v version) String() string {
	s := make([]string, len(v.nums))
	for i, n := range v.nums {
		s[i] = strconv.Itoa(n)
	}
	return v.prefix + strings.Join(s, ".")
}

// compare orders two versions on the components both of them have.
func (v version) compare(w version) int {
	for i := 0; i < len(v.nums) && i < len(w.nums); i++ {
		if v.nums[i] != w.nums[i] {
			if v.nums[i] < w.nums[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// ValidateVersion checks a target version given on the command line: a
// Kubernetes minor ("1.24") or a full version ("1.22.15").
func ValidateVersion(s string) error {
	v, ok := parseVersion(s)
	if !ok || v.prefix != "" || v.nums[0] != 1 {
		return fmt.Errorf("%q is not a Kubernetes version: want a minor such as 1.24 or a full version such as 1.22.15", s)
	}
	return nil
}

// nextValue is what a literal that says old becomes for the target, in the
// literal's own precision: "1.23" stays a minor, "1.21.2" stays a full
// version (which needs a full target). It refuses downgrades, and for the
// control plane a jump over more than one minor version.
func nextValue(old, target string, r role) (string, error) {
	ov, ok := parseVersion(old)
	if !ok {
		return "", fmt.Errorf("%q is not a Kubernetes version such as \"1.24\" or \"1.22.15\"", old)
	}
	tv, ok := parseVersion(target)
	if !ok {
		return "", fmt.Errorf("target %q is not a Kubernetes version", target)
	}
	nv := version{prefix: ov.prefix, nums: tv.nums[:2]}
	if ov.hasPatch() {
		if !tv.hasPatch() {
			return "", fmt.Errorf("the file pins a full version (%s) but %s gives only the minor %s: give a full version such as %s.N", old, r.flag(), target, tv.minor())
		}
		nv.nums = tv.nums
	}
	switch c := nv.compare(ov); {
	case c < 0:
		return "", fmt.Errorf("%s would be a downgrade from %s; Kubernetes versions only go up", nv, old)
	case c == 0:
		return old, nil
	}
	if r == roleControlPlane && nv.nums[0] == ov.nums[0] && nv.nums[1] > ov.nums[1]+1 {
		return "", fmt.Errorf("%s → %s skips a minor version; the control plane moves one minor at a time (bump to %d.%d first)", old, nv, ov.nums[0], ov.nums[1]+1)
	}
	return nv.String(), nil
}

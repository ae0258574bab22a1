package eks

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
)

func TestMinor(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "1.24", want: "1.24"},
		{in: "v1.24", want: "1.24"},
		{in: "1.24.7", want: "1.24"},
		{in: " v1.30.2-eks-1234 ", want: "1.30"},
		{in: "1", err: "not a Kubernetes version"},
		{in: "one.two", err: "not a Kubernetes version"},
		{in: "", err: "not a Kubernetes version"},
	}
	for _, tt := range tests {
		got, err := minor(tt.in)
		if tt.err != "" {
			if err == nil {
				t.Errorf("minor(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("minor(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCompareAddonVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"v1.8.7-eksbuild.3", "v1.8.7-eksbuild.4", -1},
		{"v1.8.7-eksbuild.10", "v1.8.7-eksbuild.9", 1},
		{"v1.9.3-eksbuild.1", "v1.8.7-eksbuild.9", 1},
		{"v1.24.10-eksbuild.2", "v1.24.10-eksbuild.2", 0},
		{"v1.10.0", "v1.9.0-eksbuild.1", 1},
	}
	for _, tt := range tests {
		got := compareAddonVersions(tt.a, tt.b)
		if sign(got) != tt.want {
			t.Errorf("compareAddonVersions(%s, %s) = %d, want sign %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestSameUpdateConfig(t *testing.T) {
	count := func(n int32) *types.NodegroupUpdateConfig {
		return &types.NodegroupUpdateConfig{MaxUnavailable: aws.Int32(n)}
	}
	pct := func(n int32) *types.NodegroupUpdateConfig {
		return &types.NodegroupUpdateConfig{MaxUnavailablePercentage: aws.Int32(n)}
	}
	tests := []struct {
		name      string
		cur, want *types.NodegroupUpdateConfig
		same      bool
	}{
		{"none yet", nil, count(1), false},
		{"same count", count(2), count(2), true},
		{"other count", count(1), count(2), false},
		{"same percentage", pct(25), pct(25), true},
		{"count for percentage", count(25), pct(25), false},
		{"percentage for count", pct(2), count(2), false},
	}
	for _, tt := range tests {
		if got := sameUpdateConfig(tt.cur, tt.want); got != tt.same {
			t.Errorf("%s: sameUpdateConfig = %v", tt.name, got)
		}
	}
}

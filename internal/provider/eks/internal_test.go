package eks

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider"
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

func TestCreateInput(t *testing.T) {
	source := func(change func(*types.Nodegroup)) *types.Nodegroup {
		ng := &types.Nodegroup{
			NodegroupName: aws.String("vantiq"), Version: aws.String("1.23"),
			AmiType: types.AMITypesAl2X8664, CapacityType: types.CapacityTypesSpot,
			NodeRole: aws.String("arn:aws:iam::123456789012:role/node"), Subnets: []string{"subnet-a", "subnet-b"},
			InstanceTypes: []string{"c5.xlarge", "c5a.xlarge"},
			ScalingConfig: &types.NodegroupScalingConfig{MinSize: aws.Int32(3), MaxSize: aws.Int32(6), DesiredSize: aws.Int32(3)},
			UpdateConfig:  &types.NodegroupUpdateConfig{},
			Labels:        map[string]string{"workload": "vantiq", "runtime": "docker"},
			Taints:        []types.Taint{{Key: aws.String("dedicated"), Value: aws.String("vantiq"), Effect: types.TaintEffectNoSchedule}},
			DiskSize:      aws.Int32(50),
			RemoteAccess:  &types.RemoteAccessConfig{Ec2SshKey: aws.String("ops")},
			Tags:          map[string]string{"aws:cloudformation:stack-name": "vantiq"},
		}
		if change != nil {
			change(ng)
		}
		return ng
	}
	lt := func(id, name, version string) *types.LaunchTemplateSpecification {
		return &types.LaunchTemplateSpecification{Id: optional(id), Name: optional(name), Version: optional(version)}
	}
	tests := []struct {
		name string
		src  *types.Nodegroup
		spec provider.LaunchTemplate
		// want are the fields that depend on the launch template and the
		// AMI type.
		wantLT      *types.LaunchTemplateSpecification
		wantDisk    bool
		wantAMI     types.AMITypes
		wantVersion string
	}{
		{name: "launch template given", src: source(nil), spec: provider.LaunchTemplate{ID: "lt-1", Version: "3"},
			wantLT: lt("lt-1", "", "3"), wantAMI: types.AMITypesAl2X8664, wantVersion: "1.23"},
		{name: "launch template by name, default version", src: source(nil), spec: provider.LaunchTemplate{Name: "containerd"},
			wantLT: lt("", "containerd", ""), wantAMI: types.AMITypesAl2X8664, wantVersion: "1.23"},
		{name: "no launch template", src: source(nil), wantDisk: true, wantAMI: types.AMITypesAl2X8664, wantVersion: "1.23"},
		{
			name: "source's launch template kept by ID",
			src: source(func(ng *types.Nodegroup) {
				ng.LaunchTemplate, ng.DiskSize, ng.RemoteAccess = lt("lt-9", "docker", "7"), nil, nil
			}),
			wantLT: lt("lt-9", "", "7"), wantAMI: types.AMITypesAl2X8664, wantVersion: "1.23",
		},
		{
			name: "source's custom AMI",
			src: source(func(ng *types.Nodegroup) {
				ng.AmiType, ng.LaunchTemplate, ng.DiskSize, ng.RemoteAccess = types.AMITypesCustom, lt("", "docker", "7"), nil, nil
			}),
			spec:   provider.LaunchTemplate{Name: "containerd", Version: "1"},
			wantLT: lt("", "containerd", "1"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := provider.NewPool{Name: "vantiq-containerd", From: "vantiq", LaunchTemplate: tt.spec, Labels: map[string]string{"runtime": "containerd"}}
			in := createInput("prod", spec, tt.src)
			if aws.ToString(in.ClusterName) != "prod" || aws.ToString(in.NodegroupName) != "vantiq-containerd" || aws.ToString(in.NodeRole) != aws.ToString(tt.src.NodeRole) {
				t.Errorf("cluster %v, node group %v, role %v", aws.ToString(in.ClusterName), aws.ToString(in.NodegroupName), aws.ToString(in.NodeRole))
			}
			if diff := cmp.Diff(map[string]string{"workload": "vantiq", "runtime": "containerd"}, in.Labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if tt.src.Labels["runtime"] != "docker" {
				t.Errorf("the source's labels changed: %v", tt.src.Labels)
			}
			if !cmp.Equal(in.Subnets, tt.src.Subnets) || !cmp.Equal(in.InstanceTypes, tt.src.InstanceTypes) || in.CapacityType != tt.src.CapacityType || len(in.Taints) != 1 {
				t.Errorf("subnets %v, instance types %v, capacity %s, taints %v", in.Subnets, in.InstanceTypes, in.CapacityType, in.Taints)
			}
			if sc := in.ScalingConfig; sc == nil || *sc.MinSize != 3 || *sc.MaxSize != 6 || *sc.DesiredSize != 3 {
				t.Errorf("scaling %+v", sc)
			}
			if in.UpdateConfig != nil || in.Tags != nil {
				t.Errorf("an empty update config or tags sent: %+v, %v", in.UpdateConfig, in.Tags)
			}
			if got := ltText(in.LaunchTemplate); got != ltText(tt.wantLT) {
				t.Errorf("launch template %s, want %s", got, ltText(tt.wantLT))
			}
			if (in.DiskSize != nil) != tt.wantDisk || (in.RemoteAccess != nil) != tt.wantDisk {
				t.Errorf("diskSize %v, remoteAccess %v; want them: %v", in.DiskSize, in.RemoteAccess, tt.wantDisk)
			}
			if in.AmiType != tt.wantAMI || aws.ToString(in.Version) != tt.wantVersion || in.ReleaseVersion != nil {
				t.Errorf("amiType %q, version %q, release %v; want %q %q", in.AmiType, aws.ToString(in.Version), in.ReleaseVersion, tt.wantAMI, tt.wantVersion)
			}
			if tok := aws.ToString(in.ClientRequestToken); tok != createToken("prod", "vantiq-containerd", aws.ToString(tt.src.Version)) || !strings.HasPrefix(tok, "kubehop-create-") {
				t.Errorf("clientRequestToken %q", tok)
			}
		})
	}
}

func ltText(lt *types.LaunchTemplateSpecification) string {
	if lt == nil {
		return "none"
	}
	return "id=" + aws.ToString(lt.Id) + " name=" + aws.ToString(lt.Name) + " version=" + aws.ToString(lt.Version)
}

func TestCreateToken(t *testing.T) {
	a := createToken("prod", "vantiq-containerd", "1.23")
	for _, other := range []string{
		createToken("staging", "vantiq-containerd", "1.23"),
		createToken("prod", "mongodb-containerd", "1.23"),
		createToken("prod", "vantiq-containerd", "1.24"),
	} {
		if other == a {
			t.Errorf("two creations share token %s", a)
		}
	}
	if a != createToken("prod", "vantiq-containerd", "1.23") || len(a) > 64 {
		t.Errorf("token %q is not stable or too long", a)
	}
}

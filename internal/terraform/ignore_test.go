package terraform

import (
	"strings"
	"testing"
)

const nodeGroupFile = "testdata/eks/modules/eks/node_group.tf"

func setIgnore(t *testing.T, src string, attrs []string, present bool) string {
	t.Helper()
	out, err := SetIgnoreChanges("node_group.tf", []byte(src), "aws_eks_node_group", "vantiq-nodegroup", attrs, present)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// roundTrip adds attrs, checks the result, removes them again and checks
// that the file is back byte for byte.
func roundTrip(t *testing.T, src string, attrs []string, check func(added string)) {
	t.Helper()
	added := setIgnore(t, src, attrs, true)
	if added == src {
		t.Fatal("adding changed nothing")
	}
	check(added)
	if again := setIgnore(t, added, attrs, true); again != added {
		t.Errorf("adding twice changed the file again:\n%s", UnifiedDiff("node_group.tf", []byte(added), []byte(again)))
	}
	removed := setIgnore(t, added, attrs, false)
	if removed != src {
		t.Errorf("removing did not restore the file:\n%s", UnifiedDiff("node_group.tf", []byte(src), []byte(removed)))
	}
	if again := setIgnore(t, removed, attrs, false); again != removed {
		t.Error("removing twice changed the file again")
	}
}

func TestIgnoreChangesAddsALifecycleBlockAndRemovesIt(t *testing.T) {
	src := string(readFile(t, nodeGroupFile))
	roundTrip(t, src, []string{"release_version"}, func(added string) {
		checkGolden(t, "eks/node_group.tf", []byte(added))
	})
}

func TestIgnoreChangesMergesWithALifecycleBlock(t *testing.T) {
	src := strings.Replace(string(readFile(t, nodeGroupFile)), "  depends_on = [", `  lifecycle {
    create_before_destroy = true
  }

  depends_on = [`, 1)
	roundTrip(t, src, []string{"release_version"}, func(added string) {
		want := "  lifecycle {\n    create_before_destroy = true\n    ignore_changes = [release_version]\n  }\n"
		if !strings.Contains(added, want) {
			t.Errorf("want the lifecycle block to read\n%s\ngot\n%s", want, added)
		}
	})
}

func TestIgnoreChangesAppendsToTheList(t *testing.T) {
	for name, tc := range map[string]struct{ list, want string }{
		"one line": {"[scaling_config]", "[scaling_config, release_version]"},
		"empty":    {"[]", "[release_version]"},
		"lines":    {"[\n      scaling_config,\n    ]", "[\n      scaling_config, release_version,\n    ]"},
		"two":      {"[scaling_config, labels]", "[scaling_config, labels, release_version]"},
	} {
		t.Run(name, func(t *testing.T) {
			src := strings.Replace(string(readFile(t, nodeGroupFile)), "  depends_on = [", "  lifecycle {\n    ignore_changes = "+tc.list+"\n  }\n\n  depends_on = [", 1)
			check := func(added string) {
				if !strings.Contains(added, "ignore_changes = "+tc.want+"\n") {
					t.Errorf("want ignore_changes = %s, got\n%s", tc.want, added)
				}
			}
			if name == "empty" {
				// An empty list loses its attribute when emptied again.
				check(setIgnore(t, src, []string{"release_version"}, true))
				return
			}
			roundTrip(t, src, []string{"release_version"}, check)
		})
	}
}

// The runbooks' state after step 2: the temporary block is there, with the
// comment the operator wrote above it. Removing takes the block and leaves
// everything else.
func TestIgnoreChangesRemovesWhatTheRunbookAdded(t *testing.T) {
	src := strings.Replace(string(readFile(t, nodeGroupFile)), "    aws_iam_role_policy_attachment.eks-cni\n  ]\n", `    aws_iam_role_policy_attachment.eks-cni
  ]

  # 一時的に追加
  lifecycle {
    ignore_changes = [release_version]
  }

`, 1)
	out := setIgnore(t, src, []string{"release_version"}, false)
	want := strings.Replace(src, "  lifecycle {\n    ignore_changes = [release_version]\n  }\n", "", 1)
	if out != want {
		t.Errorf("got:\n%s", UnifiedDiff("node_group.tf", []byte(want), []byte(out)))
	}
	// Removing one of several entries keeps the others.
	src2 := strings.Replace(src, "[release_version]", "[release_version, scaling_config]", 1)
	out = setIgnore(t, src2, []string{"release_version"}, false)
	if !strings.Contains(out, "ignore_changes = [scaling_config]\n") {
		t.Errorf("got:\n%s", out)
	}
	out = setIgnore(t, strings.Replace(src, "[release_version]", "[scaling_config, release_version, labels]", 1), []string{"release_version"}, false)
	if !strings.Contains(out, "ignore_changes = [scaling_config, labels]\n") {
		t.Errorf("got:\n%s", out)
	}
}

func TestIgnoreChangesKeepsTabsAndCRLF(t *testing.T) {
	src := "resource \"aws_eks_node_group\" \"vantiq-nodegroup\" {\r\n\tversion = \"1.24\"\r\n}\r\n"
	roundTrip(t, src, []string{"release_version", "scaling_config"}, func(added string) {
		want := "\tversion = \"1.24\"\r\n\tlifecycle {\r\n\t\tignore_changes = [release_version, scaling_config]\r\n\t}\r\n}\r\n"
		if !strings.HasSuffix(added, want) {
			t.Errorf("got %q", added)
		}
	})
}

func TestIgnoreChangesErrors(t *testing.T) {
	src := readFile(t, nodeGroupFile)
	for _, tc := range []struct {
		name, typ, res string
		attrs          []string
		src            string
		present        bool
		want           string
	}{
		{name: "no such resource", typ: "aws_eks_node_group", res: "other", attrs: []string{"release_version"}, present: true,
			want: "node_group.tf: no resource aws_eks_node_group.other; the file declares aws_eks_node_group.vantiq-nodegroup"},
		{name: "bad attribute", typ: "aws_eks_node_group", res: "vantiq-nodegroup", attrs: []string{"release version"}, present: true,
			want: `"release version" is not an attribute name`},
		{name: "all", typ: "aws_eks_node_group", res: "vantiq-nodegroup", attrs: []string{"release_version"},
			src:  strings.Replace(string(src), "  depends_on = [", "  lifecycle {\n    ignore_changes = all\n  }\n  depends_on = [", 1),
			want: "node_group.tf:33: aws_eks_node_group.vantiq-nodegroup: ignore_changes = all ignores every attribute; edit it by hand"},
		{name: "parse error", typ: "aws_eks_node_group", res: "vantiq-nodegroup", attrs: []string{"release_version"}, present: true,
			src: "resource \"aws_eks_node_group\" \"vantiq-nodegroup\" {\n  version = \n}\n", want: "node_group.tf:2,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := src
			if tc.src != "" {
				in = []byte(tc.src)
			}
			_, err := SetIgnoreChanges("node_group.tf", in, tc.typ, tc.res, tc.attrs, tc.present)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseResourceAddress(t *testing.T) {
	for in, want := range map[string]string{
		"aws_eks_node_group.vantiq-nodegroup":                                "aws_eks_node_group vantiq-nodegroup",
		`module.eks.aws_eks_node_group.vantiq-nodegroup["VANTIQ"]`:           "aws_eks_node_group vantiq-nodegroup",
		"module.aks.module.pools.azurerm_kubernetes_cluster_node_pool.np[0]": "azurerm_kubernetes_cluster_node_pool np",
	} {
		typ, name, err := ParseResourceAddress(in)
		if err != nil || typ+" "+name != want {
			t.Errorf("%s: %s %s, %v", in, typ, name, err)
		}
	}
	for _, in := range []string{"aws_eks_node_group", "a.b.c", "data.aws_ssm_parameter.x.y", ""} {
		if _, _, err := ParseResourceAddress(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubehop/kubehop/internal/cli/apply"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/localcluster"
	"github.com/kubehop/kubehop/internal/provider/eks/ekstest"
	"github.com/kubehop/kubehop/internal/provider/setup"
)

const nodegroupLabel = "eks.amazonaws.com/nodegroup"

// fakeEKS joins ekstest to a local cluster as EKS joins its API to the
// cluster's machines: a node group's size or version changing adds nodes
// (containerd, at the group's version) or deletes them, and the control
// plane update upgrades the local control plane. Deleted nodes were
// drained by kubehop first; EKS's own drains are not modelled, so pools
// that move are empty when they do.
type fakeEKS struct {
	*ekstest.Server
	t   *testing.T
	c   *localcluster.Cluster
	mu  sync.Mutex
	err []error
}

func newFakeEKS(t *testing.T, c *localcluster.Cluster, version string) *fakeEKS {
	f := &fakeEKS{Server: ekstest.New(), t: t, c: c}
	t.Cleanup(f.Close)
	f.SetVersion(version)
	f.PollsToFinish = 2
	f.OnNodegroupSize = f.resize
	f.OnClusterVersion = func(v string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		f.fail(c.UpgradeControlPlane(ctx, v))
	}
	return f
}

func (f *fakeEKS) fail(err error) {
	if err != nil {
		f.mu.Lock()
		f.err = append(f.err, err)
		f.mu.Unlock()
	}
}

func (f *fakeEKS) resize(nodegroup string, desired int, version string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	nodes, err := f.c.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: nodegroupLabel + "=" + nodegroup})
	if err != nil {
		f.fail(err)
		return
	}
	switch n := len(nodes.Items); {
	case n < desired:
		kubelet, err := localcluster.PinnedVersions().Resolve(version)
		if err != nil {
			f.fail(err)
			return
		}
		spec := f.nodeSpec(nodegroup, desired-n, localcluster.RuntimeContainerd)
		spec.KubeletVersion = kubelet
		_, err = f.c.AddNodes(ctx, spec)
		f.fail(err)
	case n > desired:
		var names []string
		for _, node := range nodes.Items[desired:] {
			names = append(names, node.Name)
		}
		f.fail(f.c.RemoveNodes(ctx, names...))
	}
}

// nodeSpec is count nodes of a node group as EKS would start them: its
// labels and taints, and its name in the node group label.
func (f *fakeEKS) nodeSpec(nodegroup string, count int, runtime string) localcluster.NodeSpec {
	ng, _ := f.Nodegroup(nodegroup)
	labels := map[string]string{nodegroupLabel: nodegroup}
	for k, v := range ng.Labels {
		labels[k] = v
	}
	var taints []corev1.Taint
	for _, tn := range ng.Taints {
		taints = append(taints, corev1.Taint{Key: tn.Key, Value: tn.Value, Effect: corev1.TaintEffectNoSchedule})
	}
	return localcluster.NodeSpec{Pool: strings.ToLower(nodegroup), Count: count, Runtime: runtime, Labels: labels, Taints: taints}
}

// TestDockershimMigration runs the EKS runbook's 1.23 -> 1.24 dockershim
// migration (here 1.36 -> 1.37, the versions the local cluster runs) on
// node groups whose nodes report docker: temporary containerd node groups
// from the profile's launch templates, every pod drained into them within
// its budget, the old groups at 0, the control plane and the groups
// upgraded, the groups back at their size, the pods drained back, the
// temporary groups deleted. Afterwards every node runs containerd at the
// target, nothing is cordoned, no budget was ever violated.
func TestDockershimMigration(t *testing.T) {
	t.Parallel()
	c := startCluster(t, "1.36")
	ctx := testContext(t, 12*time.Minute)
	client := c.Client()
	f := newFakeEKS(t, c, "1.36")
	for _, ng := range []string{"vantiq", "mongodb"} {
		state, _ := f.Nodegroup(ng)
		if _, err := c.AddNodes(ctx, f.nodeSpec(ng, int(state.DesiredSize), localcluster.RuntimeDocker)); err != nil {
			t.Fatal(err)
		}
	}
	createNamespace(ctx, t, client, "app")
	web := deployment("app", "web", "", 4)
	web.Spec.Template.Spec.NodeSelector = map[string]string{"node.kubernetes.io/workload": "vantiq"}
	db := deployment("app", "db", "", 2)
	db.Spec.Template.Spec.NodeSelector = map[string]string{"node.kubernetes.io/workload": "mongodb"}
	db.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Value: "mongodb", Effect: corev1.TaintEffectNoSchedule}}
	for _, d := range []string{"web", "db"} {
		obj := web
		if d == "db" {
			obj = db
		}
		if _, err := client.AppsV1().Deployments("app").Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, pdb := range []string{"web", "db"} {
		min := map[string]int{"web": 3, "db": 1}[pdb]
		if _, err := client.PolicyV1().PodDisruptionBudgets("app").Create(ctx, pdbMinAvailable("app", pdb, min), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitDeploymentReady(ctx, t, client, "app", pdb)
	}
	watcher := watchBudgets(ctx, t, client, "app")

	uid, err := client.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(t.TempDir(), "kubehop.yaml")
	writeFile(t, profile, fmt.Sprintf(`apiVersion: kubehop.dev/v1alpha1
kind: Profile
cluster: {name: %s, uid: %s}
provider: eks
eks:
  region: %s
  endpoint: %q
  containerdLaunchTemplates:
    vantiq: {name: vantiq-containerd, version: "2"}
    mongodb: {id: lt-0mongodb}
target: "1.37"
poolLabel: %s
pools:
  - {name: mongodb, strategy: surge, notConcurrentWith: [vantiq]}
  - {name: vantiq, strategy: surge, after: [mongodb]}
`, ekstest.ClusterName, uid.UID, ekstest.Region, f.URL, nodegroupLabel))

	var stdout, stderr strings.Builder
	o := apply.NewOptions(cmdutil.IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr}, &cmdutil.GlobalOptions{Cluster: cmdutil.ClusterOptions{Kubeconfig: c.Kubeconfig()}})
	o.Profile, o.Yes, o.OperationInterval = profile, true, 200*time.Millisecond
	o.Setup = func(opts *setup.Options) {
		opts.AWS = func(eo *awseks.Options) {
			eo.Credentials = ekstest.Credentials
			eo.HTTPClient = f.HTTPClient()
		}
	}
	if err := o.Run(ctx); err != nil {
		t.Fatalf("apply: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	for _, err := range f.err {
		t.Errorf("the fake EKS could not follow: %v", err)
	}

	// The runbook's steps reached EKS: the temporary groups with their
	// launch templates, created then deleted; the groups back at 3.
	for _, ng := range []string{"vantiq", "mongodb"} {
		if _, ok := f.Nodegroup(ng + "-containerd"); ok {
			t.Errorf("temporary node group %s-containerd is left", ng)
		}
		state, _ := f.Nodegroup(ng)
		if state.DesiredSize != 3 || state.Version != "1.37" {
			t.Errorf("node group %s: %d nodes at %s, want 3 at 1.37", ng, state.DesiredSize, state.Version)
		}
	}
	templates := map[string]string{}
	for _, call := range f.Calls("CreateNodegroup") {
		lt, _ := call.Body["launchTemplate"].(map[string]any)
		templates[fmt.Sprint(call.Body["nodegroupName"])] = fmt.Sprintf("%v/%v/%v", lt["name"], lt["id"], lt["version"])
	}
	if want := map[string]string{"vantiq-containerd": "vantiq-containerd/<nil>/2", "mongodb-containerd": "<nil>/lt-0mongodb/<nil>"}; fmt.Sprint(templates) != fmt.Sprint(want) {
		t.Errorf("temporary node groups created with launch templates %v, want %v", templates, want)
	}
	if len(f.Calls("CreateNodegroup")) != 2 || len(f.Calls("DeleteNodegroup")) != 2 {
		t.Errorf("%d CreateNodegroup and %d DeleteNodegroup calls, want 2 each", len(f.Calls("CreateNodegroup")), len(f.Calls("DeleteNodegroup")))
	}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.Items {
		if !strings.HasPrefix(n.Status.NodeInfo.ContainerRuntimeVersion, "containerd://") || !strings.HasPrefix(n.Status.NodeInfo.KubeletVersion, "v1.37.") || n.Spec.Unschedulable {
			t.Errorf("node %s: %s, %s, cordoned %v", n.Name, n.Status.NodeInfo.ContainerRuntimeVersion, n.Status.NodeInfo.KubeletVersion, n.Spec.Unschedulable)
		}
	}
	if len(nodes.Items) != 6 {
		t.Errorf("%d nodes, want 6", len(nodes.Items))
	}
	if v := watcher.Violations(); len(v) > 0 {
		t.Errorf("disruption budgets violated:\n%s", strings.Join(v, "\n"))
	}
	if testing.Verbose() {
		fmt.Fprintln(os.Stderr, stderr.String())
	}
}

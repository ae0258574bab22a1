package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/localcluster"
	"github.com/kubehop/kubehop/internal/manifest"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
)

const (
	namespace = "bench"
	blocker   = "metrics-agent"
)

// measure seeds a fresh cluster and times one run on it.
func (o *options) measure(ctx context.Context, run string) (result, *plan.Bound, error) {
	r := result{Run: run}
	dir := filepath.Join(o.out, run)
	if err := os.RemoveAll(dir); err != nil {
		return r, nil, err
	}
	fmt.Fprintf(os.Stderr, "%s: starting a local cluster in %s...\n", run, dir)
	c, err := localcluster.Start(ctx, localcluster.Options{Version: "1.37", Dir: dir, KeepDir: true,
		PodReadyDelay: o.podReady, NodeReadyDelay: o.nodeReady, Logger: o.logger()})
	if err != nil {
		return r, nil, err
	}
	defer c.Stop()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go c.Serve(sctx)
	if err := o.seedCluster(ctx, c); err != nil {
		return r, nil, err
	}
	client := c.Client()
	watcher, err := kube.WatchBudgets(ctx, client, namespace, namespace+"/"+blocker)
	if err != nil {
		return r, nil, err
	}
	var bound *plan.Bound
	r.Log = filepath.Join(dir, run+".log")
	logf, err := os.Create(r.Log)
	if err != nil {
		return r, nil, err
	}
	defer logf.Close()
	if o.trace != "" {
		go tracePods(sctx, client, o.trace, filepath.Join(dir, "trace-"+o.trace+".txt"))
	}
	fmt.Fprintf(os.Stderr, "%s: running (log in %s)...\n", run, r.Log)
	start := time.Now()
	switch run {
	case "kubehop":
		var prof string
		if prof, bound, err = o.prepareKubehop(ctx, c); err != nil {
			return r, nil, err
		}
		start = time.Now()
		cmd := exec.CommandContext(ctx, o.kubehop, "apply", "--profile", prof, "--kubeconfig", c.Kubeconfig(), "--yes")
		cmd.Stdout, cmd.Stderr = logf, logf
		err = cmd.Run()
	case "kubectl":
		err = o.kubectlDrains(ctx, c, logf)
	}
	r.Makespan = time.Since(start)
	if err != nil {
		return r, bound, fmt.Errorf("%w (see %s)", err, r.Log)
	}
	if err := endState(ctx, client); err != nil {
		return r, bound, fmt.Errorf("after the run: %w", err)
	}
	r.Violations = watcher.Violations()
	fmt.Fprintf(os.Stderr, "%s: %s, %d budget violation(s)\n", run, r.Makespan.Round(100*time.Millisecond), len(r.Violations))
	return r, bound, nil
}

// seedCluster adds the pools at 1.36 and the workloads, and waits until every
// workload is ready.
func (o *options) seedCluster(ctx context.Context, c *localcluster.Cluster) error {
	old, err := localcluster.PinnedVersions().Resolve("1.36")
	if err != nil {
		return err
	}
	for i := range o.pools {
		if _, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: poolName(i), Count: o.nodesPerPool, KubeletVersion: old}); err != nil {
			return err
		}
	}
	objs, err := manifest.Decode("generated workloads", []byte(o.workloads()))
	if err != nil {
		return err
	}
	applier, err := manifest.NewApplier(c.RESTConfig())
	if err != nil {
		return err
	}
	if err := applier.Apply(ctx, objs); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "seeded %d nodes and %d objects; waiting for every workload...\n", o.pools*o.nodesPerPool, len(objs))
	return waitWorkloads(ctx, c.Client(), 5*time.Minute)
}

func poolName(i int) string { return fmt.Sprintf("pool-%c", 'a'+i) }

// workloads renders the generated workloads as YAML.
func (o *options) workloads() string {
	rng := o.rng()
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n", namespace)
	workload := func(kind, name string, replicas int, extra string) {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: %s
metadata: {name: %s, namespace: %s}
spec:
  %s
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      tolerations: [{operator: Exists, effect: NoExecute, key: node.kubernetes.io/unreachable, tolerationSeconds: 600}]
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
        resources: {requests: {cpu: 50m, memory: 32Mi}}
`, kind, name, namespace, strings.TrimSpace(fmt.Sprintf("replicas: %d\n  %s", replicas, extra)), name, name)
	}
	budget := func(name, rule string) {
		fmt.Fprintf(&b, "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: %s, namespace: %s}\nspec:\n  %s\n  selector: {matchLabels: {app: %s}}\n", name, namespace, rule, name)
	}
	for i := range o.deployments {
		name := fmt.Sprintf("web-%02d", i)
		workload("Deployment", name, 2+rng.IntN(9), "")
		if rng.IntN(2) == 0 {
			budget(name, "maxUnavailable: 1")
		} else {
			budget(name, `maxUnavailable: "25%"`)
		}
	}
	for i := range o.statefulSets {
		name := fmt.Sprintf("db-%d", i)
		workload("StatefulSet", name, 3, "serviceName: "+name+"\n  podManagementPolicy: Parallel")
		budget(name, "minAvailable: 2")
	}
	for _, name := range []string{"node-exporter", "log-agent"} {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: %s, namespace: %s}
spec:
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      tolerations: [{operator: Exists}]
      containers: [{name: agent, image: registry.k8s.io/pause:3.10}]
`, name, namespace, name, name)
	}
	workload("Deployment", blocker, 1, "")
	budget(blocker, "minAvailable: 1")
	return b.String()
}

// prepareKubehop writes the profile and computes the lower bound from the
// same snapshot and plan apply will build.
func (o *options) prepareKubehop(ctx context.Context, c *localcluster.Cluster) (string, *plan.Bound, error) {
	ns, err := c.Client().CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: kubehop.dev/v1alpha1\nkind: Profile\ncluster: {name: bench, uid: %s}\nprovider: local\ntarget: \"1.37\"\nparallelism: %d\npools:\n", ns.UID, o.pools)
	for i := range o.pools {
		fmt.Fprintf(&b, "  - {name: %s, strategy: surge, maxSurge: %d, maxUnavailable: %d}\n", poolName(i), o.maxSurge, o.maxUnavailable)
	}
	path := filepath.Join(o.out, "kubehop", "kubehop.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return "", nil, err
	}
	prof, err := profile.Load(path)
	if err != nil {
		return "", nil, err
	}
	clients, err := inventory.NewClients(c.RESTConfig())
	if err != nil {
		return "", nil, err
	}
	snap, err := inventory.Read(ctx, clients, inventory.Options{PoolLabel: prof.PoolLabel})
	if err != nil {
		return "", nil, err
	}
	pl, err := plan.Build(prof, snap)
	if err != nil {
		return "", nil, err
	}
	bound := plan.LowerBound(pl, snap, plan.Timing{PodReady: o.podReady, NodeReady: o.nodeReady}, prof.Parallelism, prof.PoolLabel)
	fmt.Fprintf(os.Stderr, "kubehop: lower bound %s\n", bound)
	return path, &bound, nil
}

// kubectlDrains is the runbook done by hand, one node at a time: scale
// the blocker to 0; for each pool, cordon its old nodes, then for each old
// node add one new node, wait until it is Ready, kubectl drain the old
// one and delete it; scale the blocker back.
func (o *options) kubectlDrains(ctx context.Context, c *localcluster.Cluster, log *os.File) error {
	kubectl := func(args ...string) error {
		cmd := exec.CommandContext(ctx, c.Binaries().Kubectl, append([]string{"--kubeconfig", c.Kubeconfig()}, args...)...)
		cmd.Stdout, cmd.Stderr = log, log
		fmt.Fprintf(log, "%s $ kubectl %s\n", time.Now().Format("15:04:05.000"), strings.Join(args, " "))
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
		}
		return nil
	}
	target, err := localcluster.PinnedVersions().Resolve("1.37")
	if err != nil {
		return err
	}
	if err := kubectl("-n", namespace, "scale", "deployment/"+blocker, "--replicas=0"); err != nil {
		return err
	}
	if err := kubectl("-n", namespace, "wait", "--for=delete", "pod", "-l", "app="+blocker, "--timeout=2m"); err != nil {
		return err
	}
	client := c.Client()
	for i := range o.pools {
		pool := poolName(i)
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: localcluster.PoolLabel + "=" + pool})
		if err != nil {
			return err
		}
		var old []string
		for _, n := range nodes.Items {
			old = append(old, n.Name)
		}
		if err := kubectl(append([]string{"cordon"}, old...)...); err != nil {
			return err
		}
		for _, n := range old {
			fmt.Fprintf(log, "%s # add a node to %s and wait until it is Ready\n", time.Now().Format("15:04:05.000"), pool)
			if _, err := localcluster.AddNodes(ctx, client, localcluster.NodeSpec{Pool: pool, Count: 1, KubeletVersion: target}); err != nil {
				return err
			}
			if err := kubectl("drain", n, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=15m"); err != nil {
				return err
			}
			if err := kubectl("delete", "node", n); err != nil {
				return err
			}
		}
	}
	if err := kubectl("-n", namespace, "scale", "deployment/"+blocker, "--replicas=1"); err != nil {
		return err
	}
	return kubectl("-n", namespace, "rollout", "status", "deployment/"+blocker, "--timeout=2m")
}

// waitWorkloads waits until every workload in the namespace is fully
// rolled out.
func waitWorkloads(ctx context.Context, client kubernetes.Interface, timeout time.Duration) error {
	var pending []string
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		pending = nil
		ds, err := client.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, d := range ds.Items {
			if !kube.DeploymentRollout(&d).Complete() {
				pending = append(pending, "Deployment "+d.Name)
			}
		}
		ss, err := client.AppsV1().StatefulSets(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, s := range ss.Items {
			if !kube.StatefulSetRollout(&s).Complete() {
				pending = append(pending, "StatefulSet "+s.Name)
			}
		}
		dss, err := client.AppsV1().DaemonSets(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, d := range dss.Items {
			if !kube.DaemonSetRollout(&d).Complete() {
				pending = append(pending, "DaemonSet "+d.Name)
			}
		}
		return len(pending) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("workloads not ready after %s: %s", timeout, strings.Join(pending, ", "))
	}
	return nil
}

// endState checks what both runs must leave: every node at 1.37 and
// schedulable, every workload fully available.
func endState(ctx context.Context, client kubernetes.Interface) error {
	target, err := localcluster.PinnedVersions().Resolve("1.37")
	if err != nil {
		return err
	}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, n := range nodes.Items {
		if n.Status.NodeInfo.KubeletVersion != target || n.Spec.Unschedulable || !kube.NodeReady(&n) {
			return fmt.Errorf("node %s: kubelet %s, unschedulable %t, ready %t", n.Name, n.Status.NodeInfo.KubeletVersion, n.Spec.Unschedulable, kube.NodeReady(&n))
		}
	}
	return waitWorkloads(ctx, client, time.Minute)
}

// tracePods writes when each pod of app is created, turns Ready, is asked
// to go and is gone: where a budget's chain of moves spends its time.
func tracePods(ctx context.Context, client kubernetes.Interface, app, path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	w, err := client.CoreV1().Pods(namespace).Watch(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		return
	}
	defer w.Stop()
	seen := map[string]string{}
	for ev := range w.ResultChan() {
		p, ok := ev.Object.(*corev1.Pod)
		if !ok {
			continue
		}
		state := string(ev.Type)
		switch {
		case ev.Type == watch.Deleted:
			state = "gone"
		case p.DeletionTimestamp != nil:
			state = "terminating"
		case kube.PodHealthy(p):
			state = "ready"
		case p.Spec.NodeName != "":
			state = "scheduled"
		default:
			state = "pending"
		}
		if seen[p.Name] == state {
			continue
		}
		seen[p.Name] = state
		fmt.Fprintf(f, "%s %-28s %-12s %s\n", time.Now().Format("15:04:05.000"), p.Name, state, p.Spec.NodeName)
	}
}

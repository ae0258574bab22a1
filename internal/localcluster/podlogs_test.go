package localcluster

import (
	"bufio"
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// startTestCluster starts a cluster at the oldest pinned version, stopped
// when the test ends; it skips the test when the binaries are not built.
func startTestCluster(t *testing.T, ctx context.Context) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	version := PinnedVersions().Minors()[0]
	if _, err := FindBinaries(PinnedVersions().Kubernetes[version]); errors.Is(err, ErrBinariesMissing) {
		t.Skip(err)
	}
	start := time.Now()
	c, err := Start(ctx, Options{Version: version, PodReadyDelay: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster started in %v", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range []string{"kwok", "kube-apiserver"} {
				t.Logf("end of %s:\n%s", c.logPath(name), tailFile(c.logPath(name), 20))
			}
		}
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func TestContainerLogs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startTestCluster(t, ctx)
	client := c.Client()
	nodes, err := c.AddNodes(ctx, NodeSpec{Pool: "logs", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	const ns = "migrations"
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The namespace's log of container app, for every pod, set before any
	// pod exists.
	if err := c.SetContainerLogs(ctx, ns, "", "app", "listening on :8080"); err != nil {
		t.Fatal(err)
	}
	createRunningPod(ctx, t, client, ns, "migrate-1", nodes[0])

	start := time.Now()
	if err := c.SetContainerLogs(ctx, ns, "migrate-1", "migrate", "applying migration 41", "applying migration 42"); err != nil {
		t.Fatal(err)
	}
	t.Logf("SetContainerLogs took %v", time.Since(start).Round(time.Millisecond))
	logs := func(pod string, opts corev1.PodLogOptions) string {
		t.Helper()
		data, err := client.CoreV1().Pods(ns).GetLogs(pod, &opts).DoRaw(ctx)
		if err != nil {
			t.Fatalf("logs of %s/%s -c %s: %v", ns, pod, opts.Container, err)
		}
		return string(data)
	}
	if got, want := logs("migrate-1", corev1.PodLogOptions{Container: "migrate"}), "applying migration 41\napplying migration 42\n"; got != want {
		t.Errorf("logs -c migrate = %q, want %q", got, want)
	}
	if got, want := logs("migrate-1", corev1.PodLogOptions{Container: "app"}), "listening on :8080\n"; got != want {
		t.Errorf("logs -c app (the namespace's) = %q, want %q", got, want)
	}
	tail := int64(1)
	if got, want := logs("migrate-1", corev1.PodLogOptions{Container: "migrate", TailLines: &tail}), "applying migration 42\n"; got != want {
		t.Errorf("logs -c migrate --tail=1 = %q, want %q", got, want)
	}
	// The namespace's log of container migrate reaches a pod created later,
	// not migrate-1, which has its own.
	if err := c.SetContainerLogs(ctx, ns, "", "migrate", "migration failed: relation \"users\" already exists"); err != nil {
		t.Fatal(err)
	}
	if got, want := logs("migrate-1", corev1.PodLogOptions{Container: "migrate"}), "applying migration 41\napplying migration 42\n"; got != want {
		t.Errorf("logs -c migrate after the namespace's was set = %q, want the pod's own %q", got, want)
	}
	createRunningPod(ctx, t, client, ns, "migrate-2", nodes[0])
	if got, want := logs("migrate-2", corev1.PodLogOptions{Container: "migrate"}), "migration failed: relation \"users\" already exists\n"; got != want {
		t.Errorf("logs of a new pod -c migrate = %q, want the namespace's %q", got, want)
	}
	if _, err := client.CoreV1().Pods(ns).GetLogs("migrate-2", &corev1.PodLogOptions{Container: "sidecar"}).DoRaw(ctx); !apierrors.IsBadRequest(err) {
		t.Errorf("logs of a container whose log was never set: %v, want BadRequest", err)
	}
	// The log of the previous instance, as of a crash-looping container.
	if _, err := client.CoreV1().Pods(ns).GetLogs("migrate-2", &corev1.PodLogOptions{Container: "migrate", Previous: true}).DoRaw(ctx); !apierrors.IsBadRequest(err) {
		t.Errorf("previous logs never set: %v, want BadRequest", err)
	}
	if err := c.SetPreviousContainerLogs(ctx, ns, "migrate-2", "migrate", "panic: cannot connect to database"); err != nil {
		t.Fatal(err)
	}
	if got, want := logs("migrate-2", corev1.PodLogOptions{Container: "migrate", Previous: true}), "panic: cannot connect to database\n"; got != want {
		t.Errorf("logs -c migrate --previous = %q, want %q", got, want)
	}
	if got, want := logs("migrate-2", corev1.PodLogOptions{Container: "migrate"}), "migration failed: relation \"users\" already exists\n"; got != want {
		t.Errorf("logs -c migrate after its previous log was set = %q, want the namespace's %q", got, want)
	}

	// Follow the log while lines are appended.
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	stream, err := client.CoreV1().Pods(ns).GetLogs("migrate-1", &corev1.PodLogOptions{Container: "migrate", Follow: true}).Stream(followCtx)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(stream)
		for s.Scan() {
			select {
			case lines <- s.Text():
			case <-followCtx.Done():
				return
			}
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the followed log ended")
			}
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("no line from the followed log in 10s")
		}
		return ""
	}
	for _, want := range []string{"applying migration 41", "applying migration 42"} {
		if got := next(); got != want {
			t.Fatalf("followed line %q, want %q", got, want)
		}
	}
	for _, want := range []string{"migration 42 applied", "schema is up to date"} {
		appended := time.Now()
		if err := c.AppendContainerLogs(ctx, ns, "migrate-1", "migrate", want); err != nil {
			t.Fatal(err)
		}
		if got := next(); got != want {
			t.Fatalf("followed line %q, want %q", got, want)
		}
		t.Logf("appended line arrived after %v", time.Since(appended).Round(time.Millisecond))
	}
	stopFollowing()
	select {
	case <-lines:
	case <-time.After(10 * time.Second):
		t.Error("the followed log did not end when its request was cancelled")
	}

	// Setting the log anew replaces it for new readers.
	if err := c.SetContainerLogs(ctx, ns, "migrate-1", "migrate", "starting over"); err != nil {
		t.Fatal(err)
	}
	if err := c.AppendContainerLogs(ctx, ns, "migrate-1", "migrate", "done"); err != nil {
		t.Fatal(err)
	}
	if got, want := logs("migrate-1", corev1.PodLogOptions{Container: "migrate"}), "starting over\ndone\n"; got != want {
		t.Errorf("logs -c migrate after setting and appending = %q, want %q", got, want)
	}
}

// createRunningPod creates a pod with containers migrate, app and sidecar on
// node and
// waits until it runs.
func createRunningPod(ctx context.Context, t *testing.T, client kubernetes.Interface, namespace, name, node string) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"kubernetes.io/hostname": node},
			Containers: []corev1.Container{
				{Name: "migrate", Image: "registry.example/migrate:1.0"},
				{Name: "app", Image: "registry.example/app:1.0"},
				{Name: "sidecar", Image: "registry.example/sidecar:1.0"},
			},
		},
	}
	if _, err := client.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		t.Fatalf("wait for pod %s/%s to run: %v", namespace, name, err)
	}
}

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/localcluster"
)

// startCluster starts a cluster of the test's own, stopped when the test
// ends; a failed test prints the components' logs and keeps them.
func startCluster(t *testing.T, version string) *localcluster.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, localcluster.Options{
		Version: version, KeepDir: true,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		t.Fatalf("start cluster at %s: %v", version, err)
	}
	t.Cleanup(func() { finish(c, t.Failed()) })
	return c
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func dumpLogs(w io.Writer, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		fmt.Fprintf(w, "----- end of %s -----\n%s\n", f, bytes.Join(lines, []byte("\n")))
	}
}

func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func createNamespace(ctx context.Context, t *testing.T, client kubernetes.Interface, name string) {
	t.Helper()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

// deployment returns a Deployment of replicas pods on the nodes of pool.
func deployment(namespace, name, pool string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{localcluster.PoolLabel: pool},
					Containers:   []corev1.Container{{Name: name, Image: "registry.example/" + name + ":1.0"}},
				},
			},
		},
	}
}

func pdbMinAvailable(namespace, name string, min int) *policyv1.PodDisruptionBudget {
	v := intstr.FromInt32(int32(min))
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &v,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
		},
	}
}

// waitDeploymentReady waits until every replica of a Deployment is
// available and its pods are Running.
func waitDeploymentReady(ctx context.Context, t *testing.T, client kubernetes.Interface, namespace, name string) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil || !kube.DeploymentRollout(d).Complete() {
			return false, nil
		}
		list, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(d.Spec.Selector)})
		if err != nil {
			return false, nil
		}
		pods = pods[:0]
		for _, p := range list.Items {
			if p.DeletionTimestamp != nil {
				return false, nil
			}
			if p.Status.Phase != corev1.PodRunning {
				return false, nil
			}
			pods = append(pods, p)
		}
		return len(pods) == int(*d.Spec.Replicas), nil
	})
	if err != nil {
		t.Fatalf("wait for deployment %s/%s to be ready: %v", namespace, name, err)
	}
	return pods
}

// waitPDB waits until the disruption controller has processed a budget and
// it reports the given number of allowed disruptions.
func waitPDB(ctx context.Context, t *testing.T, client kubernetes.Interface, namespace, name string, allowed int32) *policyv1.PodDisruptionBudget {
	t.Helper()
	var pdb *policyv1.PodDisruptionBudget
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		var err error
		pdb, err = client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		return pdb.Status.ObservedGeneration >= pdb.Generation && pdb.Status.DisruptionsAllowed == allowed &&
			pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.ExpectedPods > 0, nil
	})
	if err != nil {
		var status any
		if pdb != nil {
			status = pdb.Status
		}
		t.Fatalf("wait for PDB %s/%s to allow %d disruptions (last status %+v): %v", namespace, name, allowed, status, err)
	}
	return pdb
}

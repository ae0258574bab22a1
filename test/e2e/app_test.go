package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubehop/kubehop/internal/localcluster"
)

// replicaLog records, from a watch, every (vantiq, metrics-collector,
// vision-analytics) replica count the demo platform's StatefulSets are
// set to, in order.
type replicaLog struct {
	mu     sync.Mutex
	states []string
	cur    map[string]int32
	seen   chan string
}

func watchReplicas(ctx context.Context, t *testing.T, c *localcluster.Cluster) *replicaLog {
	t.Helper()
	r := &replicaLog{cur: map[string]int32{}, seen: make(chan string, 1000)}
	w, err := c.Client().AppsV1().StatefulSets("vantiq").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			sts, ok := ev.Object.(*appsv1.StatefulSet)
			if !ok || sts.Spec.Replicas == nil {
				continue
			}
			r.mu.Lock()
			r.cur[sts.Name] = *sts.Spec.Replicas
			state := fmt.Sprintf("%d/%d/%d", r.cur["vantiq"], r.cur["metrics-collector"], r.cur["vision-analytics"])
			if n := len(r.states); n == 0 || r.states[n-1] != state {
				r.states = append(r.states, state)
				select {
				case r.seen <- state:
				default:
				}
			}
			r.mu.Unlock()
		}
	}()
	return r
}

// waitFor waits until the replicas reach state.
func (r *replicaLog) waitFor(ctx context.Context, t *testing.T, state string) {
	t.Helper()
	for {
		select {
		case s := <-r.seen:
			if s == state {
				return
			}
		case <-ctx.Done():
			t.Fatalf("the replicas never reached %s: %v", state, r.since(0))
		}
	}
}

func (r *replicaLog) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.states)
}

func (r *replicaLog) since(i int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.states[i:]...)
}

// appRun runs kubehop app with kubectl on PATH and KUBECONFIG set, for the
// profile's backup and restore commands.
func appRun(ctx context.Context, c *localcluster.Cluster, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, kubehopBin, append(append([]string{"app"}, args...), "--kubeconfig", c.Kubeconfig())...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig(), "PATH="+filepath.Dir(c.Binaries().Kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
	return cmd
}

func data(ctx context.Context, t *testing.T, c *localcluster.Cluster) string {
	t.Helper()
	cm, err := c.Client().CoreV1().ConfigMaps("vantiq").Get(ctx, "mongodb-data", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm.Data["records"]
}

func setData(ctx context.Context, t *testing.T, c *localcluster.Cluster, v string) {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "mongodb-data", Namespace: "vantiq"}, Data: map[string]string{"records": v}}
	if _, err := c.Client().CoreV1().ConfigMaps("vantiq").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func vantiqImage(ctx context.Context, t *testing.T, c *localcluster.Cluster) string {
	t.Helper()
	s, err := c.Client().AppsV1().StatefulSets("vantiq").Get(ctx, "vantiq", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Spec.Template.Spec.Containers[0].Image + " " + s.Spec.Template.Spec.InitContainers[0].Image
}

// TestAppMinorUpgrade runs the seed's minor upgrade of the demo platform's
// Vantiq three times: to the end (the replicas seen at every moment are
// the runbook's: all stopped, Vantiq held at 1 and the others at 0 until
// the migration logs its success line, then back to 3/1/2); with the
// migration logging its failure line (rolled back: the data written before
// the upgrade is back, the previous tag, 3/1/2); and killed while held,
// then run again (it continues from its journal and restores the
// replicas recorded before the kill, not the ones it left); then a patch
// upgrade, which never stops the service.
func TestAppMinorUpgrade(t *testing.T) {
	t.Parallel()
	c, profile := platformCluster(t)
	ctx := testContext(t, 15*time.Minute)
	// The database stands in as a ConfigMap; backup and restore copy it
	// to and from files named after the backup Job, as mongodump and
	// mongorestore would.
	if _, err := c.Client().CoreV1().ConfigMaps("vantiq").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "mongodb-data", Namespace: "vantiq"},
		Data: map[string]string{"records": "written before the upgrade"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	prof, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	backups := t.TempDir()
	edited := strings.Replace(string(prof), "  backup:\n    cronJob: mongobackup\n", "  backup:\n    cronJob: mongobackup\n"+
		"    command: [sh, -c, 'kubectl -n vantiq get configmap mongodb-data -o jsonpath={.data.records} > "+backups+"/$KUBEHOP_BACKUP_JOB']\n", 1)
	edited = strings.Replace(edited, "  restore:\n    cronJob: mongorestore\n", "  restore:\n    cronJob: mongorestore\n"+
		"    command: [sh, -c, 'kubectl -n vantiq create configmap mongodb-data --from-file=records="+backups+"/$KUBEHOP_BACKUP_JOB --dry-run=client -o yaml > "+backups+"/restore.yaml && kubectl replace -f "+backups+"/restore.yaml']\n", 1)
	if edited == string(prof) || !strings.Contains(edited, "kubectl replace") {
		t.Fatalf("the demo profile's app section changed:\n%s", prof)
	}
	writeFile(t, profile, edited)
	logs := func(lines ...string) {
		if err := c.SetContainerLogs(ctx, "vantiq", "vantiq-0", "load-model", lines...); err != nil {
			t.Fatal(err)
		}
	}
	replicas := watchReplicas(ctx, t, c)
	replicas.waitFor(ctx, t, "3/1/2")

	// 1. To the end.
	logs()
	start := replicas.mark()
	cmd := appRun(ctx, c, "upgrade", "-p", profile, "--to", "1.41.0", "--yes")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	replicas.waitFor(ctx, t, "1/0/0")
	time.Sleep(3 * time.Second) // kubehop follows the log and must not go on
	if got := replicas.since(start); got[len(got)-1] != "1/0/0" {
		t.Fatalf("kubehop went on before the migration logged success: %v", got)
	}
	if err := c.AppendContainerLogs(ctx, "vantiq", "vantiq-0", "load-model", "Loading model...", "Model load complete"); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("upgrade: %v\n%s", err, out.String())
	}
	got := replicas.since(start)
	if strings.Join(got, " ") != "0/0/0 1/0/0 3/1/2" && !onlyRunbookStates(got) {
		t.Errorf("replicas during the upgrade: %v", got)
	}
	if img := vantiqImage(ctx, t, c); img != "vantiq/vantiq-server:1.41.0 vantiq/vantiq-server:1.41.0" {
		t.Errorf("images after the upgrade: %s", img)
	}

	// 2. The migration fails: rolled back, data restored.
	logs()
	start = replicas.mark()
	cmd = appRun(ctx, c, "upgrade", "-p", profile, "--to", "1.42.0", "--yes")
	out.Reset()
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	replicas.waitFor(ctx, t, "1/0/0")
	setData(ctx, t, c, "half migrated")
	if err := c.AppendContainerLogs(ctx, "vantiq", "vantiq-0", "load-model", "Model load failed: schema 42 rejected"); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(out.String(), "the upgrade to 1.42.0 was rolled back") {
		t.Fatalf("a failed migration: %v\n%s", err, out.String())
	}
	if d := data(ctx, t, c); d != "written before the upgrade" {
		t.Errorf("data after the rollback: %q", d)
	}
	if img := vantiqImage(ctx, t, c); img != "vantiq/vantiq-server:1.41.0 vantiq/vantiq-server:1.41.0" {
		t.Errorf("images after the rollback: %s", img)
	}
	if got := replicas.since(start); got[len(got)-1] != "3/1/2" {
		t.Errorf("replicas after the rollback: %v", got)
	}

	// 3. Killed while held at 1/0/0, then run again.
	logs()
	runCtx, kill := context.WithCancel(ctx)
	cmd = appRun(runCtx, c, "upgrade", "-p", profile, "--to", "1.43.0", "--yes")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	replicas.waitFor(ctx, t, "1/0/0")
	kill()
	_ = cmd.Wait()
	out.Reset()
	var mu sync.Mutex
	cmd = appRun(ctx, c, "upgrade", "-p", profile, "--to", "1.43.0", "--yes")
	cmd.Stdout, cmd.Stderr = lockedWriter{&mu, &out}, lockedWriter{&mu, &out}
	go func() {
		// The success line comes once the resumed run follows the log.
		_ = wait.PollUntilContextTimeout(ctx, time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			return strings.Contains(out.String(), "following"), nil
		})
		_ = c.AppendContainerLogs(ctx, "vantiq", "vantiq-0", "load-model", "Model load complete")
	}()
	if err := cmd.Run(); err != nil {
		t.Fatalf("the resumed upgrade: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Continuing") {
		t.Errorf("the second run did not continue the journal:\n%s", out.String())
	}
	if got := replicas.since(start); got[len(got)-1] != "3/1/2" {
		t.Errorf("replicas after the resumed upgrade: %v", got)
	}
	if img := vantiqImage(ctx, t, c); img != "vantiq/vantiq-server:1.43.0 vantiq/vantiq-server:1.43.0" {
		t.Errorf("images after the resumed upgrade: %s", img)
	}

	// 4. A patch upgrade: backup and a rolling update, the service never
	// stopped.
	start = replicas.mark()
	cmd = appRun(ctx, c, "upgrade", "-p", profile, "--to", "1.43.1", "--yes")
	out.Reset()
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("patch upgrade: %v\n%s", err, out.String())
	}
	if got := replicas.since(start); len(got) > 0 {
		t.Errorf("a patch upgrade changed the replicas: %v", got)
	}
	if img := vantiqImage(ctx, t, c); img != "vantiq/vantiq-server:1.43.1 vantiq/vantiq-server:1.43.1" {
		t.Errorf("images after the patch upgrade: %s", img)
	}
}

// onlyRunbookStates reports whether the replica states move only through
// the runbook's: stopping (each at most its count), held, scaling back.
func onlyRunbookStates(states []string) bool {
	held := false
	for _, s := range states {
		switch {
		case s == "1/0/0":
			held = true
		case held && s != "3/1/2" && !strings.HasPrefix(s, "3/") && !strings.HasPrefix(s, "1/"):
			return false
		case !held && strings.HasPrefix(s, "1/") && s != "1/0/0":
			return false
		}
	}
	return held && states[len(states)-1] == "3/1/2"
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

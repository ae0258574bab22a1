package localcluster

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/yaml"
)

// Pod logs. A kubelet answers the API server's pods/log requests from the
// files its container runtime writes; here kwok answers them, at the port
// every node reports as its kubelet's, from the file a Logs resource (one pod)
// or a ClusterLogs resource (pods selected by namespace and name) names for
// the container. The cluster keeps those files under <dir>/podlogs, in the
// CRI log format, and the resources pointing at them; kwok reads a file anew
// for every request and, when the client follows the log, watches it for
// appended lines.

var (
	logsGVR        = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs"}
	clusterLogsGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterlogs"}
	crdGVR         = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// kwokCRDKinds are the kwok resources kwok watches in the cluster instead of
// reading them from its configuration file; kwok-crds.yaml defines them.
var kwokCRDKinds = []string{"Logs", "ClusterLogs"}

//go:embed kwok-crds.yaml
var kwokCRDs []byte

const (
	// podLogsManagedBy labels the Logs and ClusterLogs the cluster manages.
	podLogsManagedBy = "kubehop-localcluster"
	// criTime is the timestamp format of the CRI log format.
	criTime = "2006-01-02T15:04:05.000000000Z07:00"
	// namespaceLogProbe is the pod name that stands for any pod of a
	// namespace when asking kwok whether it serves a namespace's logs.
	namespaceLogProbe = "kubehop-any-pod"
)

// installKwokCRDs creates the kwok resource definitions and waits until the
// API server serves them, so that kwok's watches start at once.
func (c *Cluster) installKwokCRDs(ctx context.Context) error {
	var names []string
	for doc := range bytes.SplitSeq(kwokCRDs, []byte("\n---\n")) {
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return fmt.Errorf("embedded kwok-crds.yaml: %w", err)
		}
		crd := &unstructured.Unstructured{Object: obj}
		if _, err := c.dynamic.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create CustomResourceDefinition %s: %w", crd.GetName(), err)
		}
		names = append(names, crd.GetName())
	}
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, name := range names {
			crd, err := c.dynamic.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			conditions, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			if !slices.ContainsFunc(conditions, func(c any) bool {
				m, _ := c.(map[string]any)
				return m["type"] == "Established" && m["status"] == "True"
			}) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the kwok CustomResourceDefinitions %s to be established: %w", strings.Join(names, ", "), err)
	}
	return nil
}

// SetContainerLogs makes the log of a container read lines, as if the
// container had printed them to its standard output: the pods/log
// subresource (kubectl logs POD -c CONTAINER) returns them.
//
// pod names one pod of namespace; an empty pod stands for every pod of the
// namespace, those created later included, such as a Job's whose names are
// not known in advance. A log set for the pod itself takes precedence over
// the namespace's for the same container. The namespace must exist when pod
// is set; the pod need not yet.
//
// Each call replaces the lines set before and returns once the cluster serves
// them to new requests. A client already following the log may go on reading
// the old file (kwok notices the replacement late, if at all, when the
// machine is busy): set logs before following them, and append to a log that
// is being followed. Every line is timestamped when it is written, for
// sinceSeconds, sinceTime and timestamps. A container whose log was never set
// has none: the API server answers its pods/log with an error.
func (c *Cluster) SetContainerLogs(ctx context.Context, namespace, pod, container string, lines ...string) error {
	if err := validLogTarget(namespace, pod, container); err != nil {
		return err
	}
	c.podLogsMu.Lock()
	defer c.podLogsMu.Unlock()
	return c.setContainerLogs(ctx, namespace, pod, container, false, lines)
}

// SetPreviousContainerLogs sets the log of the previous, terminated
// instance of a container, as SetContainerLogs sets the current one: what
// PodLogOptions.Previous (kubectl logs --previous) returns, say for a
// container in CrashLoopBackOff. Where it is not set, the API server answers
// such a request with an error, as for a container that never restarted.
func (c *Cluster) SetPreviousContainerLogs(ctx context.Context, namespace, pod, container string, lines ...string) error {
	if err := validLogTarget(namespace, pod, container); err != nil {
		return err
	}
	c.podLogsMu.Lock()
	defer c.podLogsMu.Unlock()
	return c.setContainerLogs(ctx, namespace, pod, container, true, lines)
}

// AppendContainerLogs adds lines to the end of a container log, setting it as
// SetContainerLogs does if it was not set: a client following the log
// (PodLogOptions.Follow, kubectl logs -f) receives them as they are written.
// A followed log never ends by itself, not even a terminated container's:
// kwok takes every container to be running, so the client has to stop.
func (c *Cluster) AppendContainerLogs(ctx context.Context, namespace, pod, container string, lines ...string) error {
	if err := validLogTarget(namespace, pod, container); err != nil {
		return err
	}
	c.podLogsMu.Lock()
	defer c.podLogsMu.Unlock()
	path := c.containerLogPath(namespace, pod, container)
	if !c.podLogsServed[path] {
		return c.setContainerLogs(ctx, namespace, pod, container, false, lines)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("append to the log of container %s: %w", logTarget(namespace, pod, container), err)
	}
	// One write, so that a reader never sees half a line.
	_, err = f.Write(criLog(lines))
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("append to the log of container %s: %w", logTarget(namespace, pod, container), err)
	}
	return nil
}

// setContainerLogs writes a container's log file, or its previous
// instance's, points kwok at it and waits until kwok serves it. podLogsMu is
// held.
func (c *Cluster) setContainerLogs(ctx context.Context, namespace, pod, container string, previous bool, lines []string) error {
	target := logTarget(namespace, pod, container)
	path := c.containerLogPath(namespace, pod, container)
	file := path
	if previous {
		file = previousLogPath(path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("set the log of container %s: %w", target, err)
	}
	// Replace the file whole: a follower sees it recreated and reads it
	// from the start.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("set the log of container %s: %w", target, err)
	}
	_, err = tmp.Write(criLog(lines))
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("set the log of container %s: %w", target, err)
	}
	probes, err := c.registerContainerLog(ctx, namespace, pod, container, file)
	if err != nil {
		return fmt.Errorf("set the log of container %s: %w", target, err)
	}
	for _, p := range probes {
		if err := c.waitKwokServesLog(ctx, namespace, p, container, file, previous); err != nil {
			return fmt.Errorf("set the log of container %s: %w", target, err)
		}
	}
	if c.podLogsServed == nil {
		c.podLogsServed = map[string]bool{}
	}
	c.podLogsServed[file] = true
	return nil
}

// logFile names the files kwok reads the log of a container from: that of
// its current instance and that of its previous one.
type logFile struct{ current, previous string }

// registerContainerLog points kwok at file, just written, for the log of
// container: it updates the Logs of pod, or the ClusterLogs of namespace
// when pod is empty. kwok looks at a pod's Logs only when it has one, so
// every Logs also names the namespace's files of its containers wherever the
// pod has none of its own. It returns the pods to ask kwok about until it
// serves file.
func (c *Cluster) registerContainerLog(ctx context.Context, namespace, pod, container, file string) ([]string, error) {
	nsFiles, err := c.getLogFiles(ctx, clusterLogsGVR, "", clusterLogsName(namespace))
	if err != nil {
		return nil, err
	}
	if pod != "" {
		err := c.updateLogFiles(ctx, logsGVR, namespace, pod, "", func(files map[string]logFile) bool {
			files[container] = logFile{}
			c.resolvePodLogFiles(namespace, pod, files, nsFiles)
			return true
		})
		return []string{pod}, err
	}

	err = c.updateLogFiles(ctx, clusterLogsGVR, "", clusterLogsName(namespace), namespace, func(files map[string]logFile) bool {
		files[container] = c.ownLogFile(namespace, "", container)
		nsFiles = maps.Clone(files)
		return true
	})
	if err != nil {
		return nil, err
	}
	probes := []string{namespaceLogProbe}
	list, err := c.dynamic.Resource(logsGVR).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=" + podLogsManagedBy})
	if err != nil {
		return nil, fmt.Errorf("list the Logs of namespace %s: %w", namespace, err)
	}
	for _, l := range list.Items {
		var resolved logFile
		err := c.updateLogFiles(ctx, logsGVR, namespace, l.GetName(), "", func(files map[string]logFile) bool {
			before := maps.Clone(files)
			c.resolvePodLogFiles(namespace, l.GetName(), files, nsFiles)
			resolved = files[container]
			return !maps.Equal(before, files)
		})
		if err != nil {
			return nil, err
		}
		if resolved.current == file || resolved.previous == file {
			probes = append(probes, l.GetName())
		}
	}
	return probes, nil
}

// resolvePodLogFiles sets the files of every container of a pod's Logs,
// and of every container its namespace has logs of: the pod's own file where
// one was written, else the namespace's, else the pod's own that is yet to be.
func (c *Cluster) resolvePodLogFiles(namespace, pod string, files, nsFiles map[string]logFile) {
	for cont := range nsFiles {
		if _, ok := files[cont]; !ok {
			files[cont] = logFile{}
		}
	}
	pick := func(own, ns string) string {
		if _, err := os.Stat(own); err == nil || ns == "" {
			return own
		}
		return ns
	}
	for cont := range files {
		own, ns := c.ownLogFile(namespace, pod, cont), nsFiles[cont]
		files[cont] = logFile{current: pick(own.current, ns.current), previous: pick(own.previous, ns.previous)}
	}
}

// getLogFiles returns the log files, by container, of a Logs or ClusterLogs;
// none if it does not exist.
func (c *Cluster) getLogFiles(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) (map[string]logFile, error) {
	obj, err := c.dynamic.Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", gvr.Resource, name, err)
	}
	return logFiles(obj), nil
}

// updateLogFiles creates or updates a Logs or ClusterLogs with the log files
// edit makes of its current ones; edit returns false to leave it as it is.
// A ClusterLogs selects the pods of selectNamespace.
func (c *Cluster) updateLogFiles(ctx context.Context, gvr schema.GroupVersionResource, namespace, name, selectNamespace string, edit func(map[string]logFile) bool) error {
	client := c.dynamic.Resource(gvr).Namespace(namespace)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj, err := client.Get(ctx, name, metav1.GetOptions{})
		create := apierrors.IsNotFound(err)
		if err != nil && !create {
			return err
		}
		files := map[string]logFile{}
		if create {
			obj = &unstructured.Unstructured{}
			obj.SetAPIVersion(gvr.GroupVersion().String())
			obj.SetKind(map[string]string{"logs": "Logs", "clusterlogs": "ClusterLogs"}[gvr.Resource])
			obj.SetNamespace(namespace)
			obj.SetName(name)
			obj.SetLabels(map[string]string{"app.kubernetes.io/managed-by": podLogsManagedBy})
		} else {
			files = logFiles(obj)
		}
		if !edit(files) {
			return nil
		}
		var logs []any
		for _, cont := range slices.Sorted(maps.Keys(files)) {
			logs = append(logs, map[string]any{"containers": []any{cont}, "logsFile": files[cont].current, "previousLogsFile": files[cont].previous})
		}
		if err := unstructured.SetNestedSlice(obj.Object, logs, "spec", "logs"); err != nil {
			return err
		}
		if gvr == clusterLogsGVR {
			if err := unstructured.SetNestedStringSlice(obj.Object, []string{selectNamespace}, "spec", "selector", "matchNamespaces"); err != nil {
				return err
			}
		}
		if create {
			_, err = client.Create(ctx, obj, metav1.CreateOptions{})
		} else {
			_, err = client.Update(ctx, obj, metav1.UpdateOptions{})
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("write %s %s: %w", gvr.Resource, name, err)
	}
	return nil
}

// logFiles reads the log files of each container from a Logs or
// ClusterLogs.
func logFiles(obj *unstructured.Unstructured) map[string]logFile {
	files := map[string]logFile{}
	logs, _, _ := unstructured.NestedSlice(obj.Object, "spec", "logs")
	for _, l := range logs {
		m, _ := l.(map[string]any)
		var f logFile
		f.current, _, _ = unstructured.NestedString(m, "logsFile")
		f.previous, _, _ = unstructured.NestedString(m, "previousLogsFile")
		containers, _, _ := unstructured.NestedStringSlice(m, "containers")
		for _, cont := range containers {
			files[cont] = f
		}
	}
	return files
}

// waitKwokServesLog asks kwok's kubelet API for the last line of the log of
// container in pod (of its previous instance if previous) until it answers
// with the last line of path: kwok sees Logs and ClusterLogs through a watch,
// a moment after they are written.
func (c *Cluster) waitKwokServesLog(ctx context.Context, namespace, pod, container, path string, previous bool) error {
	want, err := lastLogLine(path)
	if err != nil {
		return err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/containerLogs/%s/%s/%s?tailLines=1&timestamps=true&previous=%t", c.ports.kwok, namespace, pod, container, previous)
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	err = wait.PollUntilContextTimeout(ctx, 25*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				last = err.Error()
			}
			return false, nil
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if err != nil {
			last = err.Error()
			return false, nil
		}
		last = resp.Status + ": " + strings.TrimSpace(string(body))
		return resp.StatusCode == http.StatusOK && string(body) == want, nil
	})
	if err != nil {
		return fmt.Errorf("kwok does not serve the log (is kwok running? see %s; last answer %s): %w", c.logPath("kwok"), last, err)
	}
	return nil
}

// lastLogLine returns the last line of a CRI log file as kwok serves it
// with timestamps: the timestamp, a space and the line. It is empty for an
// empty log.
func lastLogLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var last string
	s := bufio.NewScanner(f)
	s.Buffer(nil, 16<<20)
	for s.Scan() {
		last = s.Text()
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	if last == "" {
		return "", nil
	}
	ts, rest, _ := strings.Cut(last, " ")
	_, rest, _ = strings.Cut(rest, " ") // stream
	_, rest, _ = strings.Cut(rest, " ") // tag
	return ts + " " + rest + "\n", nil
}

// criLog renders lines in the CRI log format, each a full line on standard
// output; a line with newlines in it is several.
func criLog(lines []string) []byte {
	var b bytes.Buffer
	ts := time.Now().UTC().Format(criTime)
	for _, l := range lines {
		for part := range strings.SplitSeq(strings.TrimSuffix(l, "\n"), "\n") {
			b.WriteString(ts)
			b.WriteString(" stdout F ")
			b.WriteString(part)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// ownLogFile names the files of a container's log set for its pod, or for
// its namespace when pod is empty.
func (c *Cluster) ownLogFile(namespace, pod, container string) logFile {
	path := c.containerLogPath(namespace, pod, container)
	return logFile{current: path, previous: previousLogPath(path)}
}

// containerLogPath is the file that holds a container's log.
func (c *Cluster) containerLogPath(namespace, pod, container string) string {
	if pod == "" {
		pod = "_namespace" // no pod's name starts with an underscore
	}
	return filepath.Join(c.dir, "podlogs", namespace, pod, container+".log")
}

// previousLogPath is the file that holds the log of the previous instance
// of the container whose log is at path.
func previousLogPath(path string) string { return strings.TrimSuffix(path, ".log") + ".previous.log" }

// clusterLogsName names the ClusterLogs that holds a namespace's logs.
func clusterLogsName(namespace string) string { return "kubehop-namespace-" + namespace }

func logTarget(namespace, pod, container string) string {
	if pod == "" {
		pod = "*"
	}
	return namespace + "/" + pod + "/" + container
}

func validLogTarget(namespace, pod, container string) error {
	var errs []string
	for _, f := range []struct{ what, value string }{{"namespace", namespace}, {"container", container}} {
		for _, msg := range validation.IsDNS1123Label(f.value) {
			errs = append(errs, fmt.Sprintf("%s %q: %s", f.what, f.value, msg))
		}
	}
	if pod != "" {
		for _, msg := range validation.IsDNS1123Subdomain(pod) {
			errs = append(errs, fmt.Sprintf("pod %q: %s", pod, msg))
		}
	}
	if len(errs) > 0 {
		return errors.New("container log: " + strings.Join(errs, "; "))
	}
	return nil
}

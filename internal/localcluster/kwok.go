package localcluster

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

//go:embed stages/*.yaml
var stageFiles embed.FS

// kwokConfig renders kwok's configuration: its options and every stage
// (node initialisation and heartbeat, pod readiness, completion, deletion).
//
// kwok also serves the kubelet API the API server proxies pods/log to: every
// node it manages reports the loopback address as its InternalIP and kwok's
// port as its kubelet port (the node-initialize stage writes both), and the
// Logs and ClusterLogs that say which file holds a container's log are
// custom resources kwok watches (see podlogs.go). A configuration file
// leaves kwok's defaults unset: without enableDebuggingHandlers its kubelet
// API answers every log request with "Debug endpoints are disabled".
func (c *Cluster) kwokConfig() ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  cidr: %s
  nodeIP: 127.0.0.1
  nodePort: %d
  serverAddress: 127.0.0.1:%d
  enableCRDs: [%s]
  enableDebuggingHandlers: true
  enableProfilingHandler: false
  nodeLeaseDurationSeconds: 40
  nodeLeaseParallelism: 8
  nodePlayStageParallelism: 8
  podPlayStageParallelism: 8
  podsOnNodeSyncParallelism: 2
  manageAllNodes: false
  manageNodesWithLabelSelector: %s
`, podCIDR, c.ports.kwok, c.ports.kwok, strings.Join(kwokCRDKinds, ", "), ManagedLabel)
	err := fs.WalkDir(stageFiles, "stages", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := stageFiles.ReadFile(path)
		if err != nil {
			return err
		}
		data = bytes.ReplaceAll(data, []byte("__READY_DELAY_MS__"), []byte(strconv.FormatInt(c.readyDelay.Milliseconds(), 10)))
		data = bytes.ReplaceAll(data, []byte("__NODE_READY_DELAY_MS__"), []byte(strconv.FormatInt(c.nodeDelay.Milliseconds(), 10)))
		buf.WriteString("---\n")
		buf.Write(data)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read kwok stages: %w", err)
	}
	return buf.Bytes(), nil
}

// startKwok starts kwok against the cluster; it manages every node labelled
// with ManagedLabel.
func (c *Cluster) startKwok() error {
	cfg, err := c.kwokConfig()
	if err != nil {
		return err
	}
	home := filepath.Join(c.dir, "kwok")
	cfgPath := filepath.Join(home, "kwok.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		return fmt.Errorf("write kwok configuration: %w", err)
	}
	// HOME keeps kwok away from a user's own ~/.kwok configuration.
	p, err := startProcess("kwok", c.bins.Kwok, []string{
		"--kubeconfig=" + c.kubeconfig,
		"--config=" + cfgPath,
		"-v=WARN",
	}, []string{"HOME=" + home}, c.logPath("kwok"))
	if err != nil {
		return err
	}
	c.kwok = p
	return nil
}

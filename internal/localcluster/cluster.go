package localcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const (
	// ContextName is the kubeconfig context of the local cluster.
	ContextName = "kubehop-local"
	// PoolLabel is the node label that names a node's pool.
	PoolLabel = "kubehop.dev/pool"
	// ManagedLabel marks the nodes whose kubelet kwok simulates.
	ManagedLabel = "kubehop.dev/kwok"

	serviceCIDR = "10.96.0.0/16"
	serviceIP   = "10.96.0.1"
	podCIDR     = "10.244.0.0/16"
)

// Options configure a local cluster.
type Options struct {
	// Version is the Kubernetes version to start at: "1.36" or "v1.36.3".
	Version string
	// Dir holds the cluster's data, certificates, kubeconfig and logs. A new
	// temporary directory is used when empty; it is removed by Stop unless
	// KeepDir is set.
	Dir     string
	KeepDir bool
	// PodReadyDelay is how long a scheduled pod takes to turn Ready, to model
	// real start-up time. A pod's kubehop.dev/ready-delay annotation
	// overrides it.
	PodReadyDelay time.Duration
	// NodeReadyDelay is how long a new node takes to report Ready after it
	// registers, as a cloud VM boots (immediately when zero). A node's
	// kubehop.dev/ready-delay annotation overrides it.
	NodeReadyDelay time.Duration
	// Logger receives progress; nothing is logged when nil.
	Logger *slog.Logger
}

// Cluster is a running local cluster.
type Cluster struct {
	dir, ownDir string
	keepDir     bool
	log         *slog.Logger
	pki         *pki
	kubeconfig  string
	ports       ports
	readyDelay  time.Duration
	nodeDelay   time.Duration

	mu        sync.Mutex
	version   string
	bins      Binaries
	etcd      *process
	apiserver *process
	kcm       *process
	scheduler *process
	kwok      *process

	restConfig *rest.Config
	client     kubernetes.Interface
	dynamic    dynamic.Interface

	// podLogsMu serialises the writes of container logs; podLogsServed
	// holds the log files kwok has been seen to serve.
	podLogsMu     sync.Mutex
	podLogsServed map[string]bool
}

type ports struct {
	etcdClient, etcdPeer, apiserver, kcm, scheduler, kwok int
}

// Start brings up a cluster at opts.Version and returns once the API server
// is ready and the controllers, scheduler and kwok run. On failure everything
// it started is stopped again.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	version, err := PinnedVersions().Resolve(opts.Version)
	if err != nil {
		return nil, err
	}
	bins, err := FindBinaries(version)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: opts.Dir, keepDir: opts.KeepDir, log: opts.Logger, version: version, bins: bins, readyDelay: opts.PodReadyDelay, nodeDelay: max(opts.NodeReadyDelay, 0)}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.readyDelay <= 0 {
		c.readyDelay = time.Second
	}
	if c.dir == "" {
		if c.dir, err = os.MkdirTemp("", "kubehop-local-"); err != nil {
			return nil, fmt.Errorf("create cluster directory: %w", err)
		}
		c.ownDir = c.dir
	}
	for _, sub := range []string{"logs", "etcd", "kwok", "podlogs"} {
		if err := os.MkdirAll(filepath.Join(c.dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("create cluster directory: %w", err)
		}
	}
	defer func() {
		if err != nil {
			if stopErr := c.stopAll(); stopErr != nil {
				err = errors.Join(err, stopErr)
			}
		}
	}()

	free, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	c.ports = ports{free[0], free[1], free[2], free[3], free[4], free[5]}
	if c.pki, err = writePKI(filepath.Join(c.dir, "pki")); err != nil {
		return nil, err
	}
	if err := c.writeKubeconfig(); err != nil {
		return nil, err
	}

	c.log.Info("starting etcd", "version", PinnedVersions().Etcd)
	if err := c.startEtcd(ctx); err != nil {
		return nil, err
	}
	if err := c.startControlPlane(ctx); err != nil {
		return nil, err
	}
	// kwok watches its Logs and ClusterLogs from the start.
	if err := c.installKwokCRDs(ctx); err != nil {
		return nil, err
	}
	c.log.Info("starting kwok", "version", PinnedVersions().Kwok)
	if err := c.startKwok(); err != nil {
		return nil, err
	}
	if err := c.waitDefaultServiceAccount(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Dir is the directory that holds the cluster's state and logs.
func (c *Cluster) Dir() string { return c.dir }

// LogDir holds one log file per component.
func (c *Cluster) LogDir() string { return filepath.Join(c.dir, "logs") }

// Kubeconfig is the path of an admin kubeconfig for the cluster.
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// RESTConfig returns a copy of the admin client configuration.
func (c *Cluster) RESTConfig() *rest.Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return rest.CopyConfig(c.restConfig)
}

// Client is an admin clientset for the cluster.
func (c *Cluster) Client() kubernetes.Interface {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.client
}

// Version is the Kubernetes version the control plane runs.
func (c *Cluster) Version() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// Binaries are the executables the control plane currently runs.
func (c *Cluster) Binaries() Binaries {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bins
}

// PIDs maps each running component to its process ID.
func (c *Cluster) PIDs() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	pids := map[string]int{}
	for _, p := range c.processes() {
		if done, _ := p.exited(); !done {
			pids[p.name] = p.pid()
		}
	}
	return pids
}

// processes lists the started components, in the order they start.
func (c *Cluster) processes() []*process {
	var ps []*process
	for _, p := range []*process{c.etcd, c.apiserver, c.kcm, c.scheduler, c.kwok} {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// Stop stops every process the cluster started, newest first, and removes
// the cluster's directory if Start created it and KeepDir is not set.
func (c *Cluster) Stop() error {
	err := c.stopAll()
	if err == nil && c.ownDir != "" && !c.keepDir {
		if rmErr := os.RemoveAll(c.ownDir); rmErr != nil {
			return fmt.Errorf("remove cluster directory: %w", rmErr)
		}
	}
	return err
}

func (c *Cluster) stopAll() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := c.processes()
	var errs []error
	for i := len(ps) - 1; i >= 0; i-- {
		if err := ps[i].stop(15 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) writeKubeconfig() error {
	c.kubeconfig = filepath.Join(c.dir, "kubeconfig")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[ContextName] = &clientcmdapi.Cluster{
		Server:               "https://127.0.0.1:" + strconv.Itoa(c.ports.apiserver),
		CertificateAuthority: c.pki.CACert,
	}
	cfg.AuthInfos[ContextName] = &clientcmdapi.AuthInfo{
		ClientCertificate: c.pki.AdminCert,
		ClientKey:         c.pki.AdminKey,
	}
	cfg.Contexts[ContextName] = &clientcmdapi.Context{Cluster: ContextName, AuthInfo: ContextName}
	cfg.CurrentContext = ContextName
	if err := clientcmd.WriteToFile(*cfg, c.kubeconfig); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	restConfig, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	restConfig.QPS, restConfig.Burst = 100, 200
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(restConfig)
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	c.restConfig, c.client, c.dynamic = restConfig, client, dyn
	return nil
}

// freePorts asks the kernel for n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

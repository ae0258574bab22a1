package localcluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

const (
	startTimeout = 3 * time.Minute
	stopGrace    = 15 * time.Second
)

func (c *Cluster) logPath(name string) string {
	return filepath.Join(c.dir, "logs", name+".log")
}

func (c *Cluster) startEtcd(ctx context.Context) error {
	client := "http://127.0.0.1:" + strconv.Itoa(c.ports.etcdClient)
	peer := "http://127.0.0.1:" + strconv.Itoa(c.ports.etcdPeer)
	p, err := startProcess("etcd", c.bins.Etcd, []string{
		"--name=local",
		"--data-dir=" + filepath.Join(c.dir, "etcd"),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=local=" + peer,
		"--log-level=warn",
		"--quota-backend-bytes=4294967296",
		// A throwaway test cluster on loopback: durability is not worth the fsync cost.
		"--unsafe-no-fsync",
	}, nil, c.logPath("etcd"))
	if err != nil {
		return err
	}
	c.etcd = p
	return waitHealthy(ctx, p, func(ctx context.Context) error {
		return httpGetOK(ctx, http.DefaultClient, client+"/health")
	})
}

// startControlPlane starts kube-apiserver, then kube-controller-manager and
// kube-scheduler, at c.version, each once the previous one is healthy.
func (c *Cluster) startControlPlane(ctx context.Context) error {
	c.log.Info("starting kube-apiserver", "version", c.version)
	p, err := startProcess("kube-apiserver", c.bins.APIServer, c.apiserverArgs(), nil, c.logPath("kube-apiserver"))
	if err != nil {
		return err
	}
	c.apiserver = p
	if err := waitHealthy(ctx, p, func(ctx context.Context) error {
		_, err := c.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err
	}); err != nil {
		return err
	}

	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback health probe of a self-signed endpoint
	kubeconfig := "--kubeconfig=" + c.kubeconfig
	// The controllers and the scheduler talk to their own loopback API
	// server without client-side rate limits, as kwokctl runs them: with
	// hundreds of simulated pods moving at once the default 20 requests a
	// second would make the controllers, not the cluster, the bottleneck.
	authn := []string{kubeconfig, "--authentication-kubeconfig=" + c.kubeconfig, "--authorization-kubeconfig=" + c.kubeconfig,
		"--leader-elect=false", "--bind-address=127.0.0.1", "--kube-api-qps=5000", "--kube-api-burst=10000"}

	c.log.Info("starting kube-controller-manager", "version", c.version)
	kcmArgs := append(authn[:len(authn):len(authn)],
		"--secure-port="+strconv.Itoa(c.ports.kcm),
		"--service-account-private-key-file="+c.pki.SAKey,
		"--root-ca-file="+c.pki.CACert,
		"--cluster-signing-cert-file="+c.pki.CACert,
		"--cluster-signing-key-file="+c.pki.CAKey,
		"--service-cluster-ip-range="+serviceCIDR,
		"--controllers=*",
	)
	if c.kcm, err = startProcess("kube-controller-manager", c.bins.ControllerManager, kcmArgs, nil, c.logPath("kube-controller-manager")); err != nil {
		return err
	}
	c.log.Info("starting kube-scheduler", "version", c.version)
	schedArgs := append(authn[:len(authn):len(authn)], "--secure-port="+strconv.Itoa(c.ports.scheduler))
	if c.scheduler, err = startProcess("kube-scheduler", c.bins.Scheduler, schedArgs, nil, c.logPath("kube-scheduler")); err != nil {
		return err
	}
	for _, comp := range []struct {
		p    *process
		port int
	}{{c.kcm, c.ports.kcm}, {c.scheduler, c.ports.scheduler}} {
		url := "https://127.0.0.1:" + strconv.Itoa(comp.port) + "/healthz"
		if err := waitHealthy(ctx, comp.p, func(ctx context.Context) error { return httpGetOK(ctx, insecure, url) }); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) apiserverArgs() []string {
	return []string{
		"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(c.ports.etcdClient),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.ports.apiserver),
		"--tls-cert-file=" + c.pki.ServingCert,
		"--tls-private-key-file=" + c.pki.ServingKey,
		"--client-ca-file=" + c.pki.CACert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.pki.SAPub,
		"--service-account-signing-key-file=" + c.pki.SAKey,
		"--service-cluster-ip-range=" + serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--profiling=false",
		// 1.37 refuses a loopback advertise address for the kubernetes
		// Service endpoints, which no client of this cluster needs.
		"--endpoint-reconciler-type=none",
		// kwok serves every node's kubelet API (pods/log) on loopback, the
		// InternalIP its nodes report; their Hostname would not resolve.
		// With no --kubelet-certificate-authority the API server does not
		// verify kwok's self-signed serving certificate.
		"--kubelet-preferred-address-types=InternalIP",
	}
}

// stopControlPlane stops the scheduler, the controller manager and the API
// server, leaving etcd and kwok running.
func (c *Cluster) stopControlPlane() error {
	for _, p := range []*process{c.scheduler, c.kcm, c.apiserver} {
		if p == nil {
			continue
		}
		if err := p.stop(stopGrace); err != nil {
			return err
		}
	}
	c.scheduler, c.kcm, c.apiserver = nil, nil, nil
	return nil
}

// UpgradeControlPlane replaces kube-apiserver, kube-controller-manager and
// kube-scheduler with the binaries of version and starts them on the same
// etcd data: a real control-plane upgrade. Nodes and kwok keep running; the
// kubelets' versions do not change.
func (c *Cluster) UpgradeControlPlane(ctx context.Context, version string) error {
	target, err := PinnedVersions().Resolve(version)
	if err != nil {
		return err
	}
	bins, err := FindBinaries(target)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	from := c.version
	c.log.Info("upgrading control plane", "from", from, "to", target)
	if err := c.stopControlPlane(); err != nil {
		return fmt.Errorf("stop control plane %s: %w", from, err)
	}
	c.version, c.bins = target, bins
	if err := c.startControlPlane(ctx); err != nil {
		return fmt.Errorf("start control plane %s: %w", target, err)
	}
	return nil
}

// errExited is returned when a component dies while it starts.
var errExited = errors.New("component exited")

// waitHealthy polls check until it succeeds, failing early with the end of
// the component's log if the process exits.
func waitHealthy(ctx context.Context, p *process, check func(context.Context) error) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, startTimeout, true, func(ctx context.Context) (bool, error) {
		if done, exitErr := p.exited(); done {
			return false, fmt.Errorf("%w: %s (%v) while starting; end of %s:\n%s", errExited, p.name, exitErr, p.logPath, p.logTail(30))
		}
		reqCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		last = check(reqCtx)
		return last == nil, nil
	})
	if err != nil {
		if errors.Is(err, errExited) {
			return err
		}
		return fmt.Errorf("wait for %s to become healthy (last error: %v); end of %s:\n%s: %w", p.name, last, p.logPath, p.logTail(30), err)
	}
	return nil
}

func httpGetOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// waitDefaultServiceAccount waits until the controller manager has created
// the default ServiceAccount, without which no pod can be admitted.
func (c *Cluster) waitDefaultServiceAccount(ctx context.Context) error {
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, startTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := c.client.CoreV1().ServiceAccounts(corev1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the default service account (is kube-controller-manager running? see %s): %w", c.logPath("kube-controller-manager"), err)
	}
	return nil
}

package demo

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"sigs.k8s.io/yaml"

	"github.com/kubehop/kubehop/internal/localcluster"
	"github.com/kubehop/kubehop/internal/manifest"
)

var (
	//go:embed platform/pools.yaml
	poolsYAML []byte
	//go:embed platform/manifests.yaml
	manifestsYAML []byte
)

// Pool is one node pool of the platform.
type Pool struct {
	Name   string            `json:"name"`
	Nodes  int               `json:"nodes"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Pools returns the platform's node pools.
func Pools() ([]Pool, error) {
	var pools []Pool
	if err := yaml.UnmarshalStrict(poolsYAML, &pools); err != nil {
		return nil, fmt.Errorf("platform/pools.yaml: %w", err)
	}
	return pools, nil
}

// Namespaces the platform's workloads live in.
var Namespaces = []string{"kube-system", "shared", "vantiq"}

// SeedOptions tune Seed.
type SeedOptions struct {
	// KubeletVersion the nodes report; the control plane's when empty.
	KubeletVersion string
	Logger         *slog.Logger
	// Progress, when set, is told what Seed is waiting for.
	Progress func(Status)
}

// Seed adds the platform's node pools to c, applies its manifests and waits
// until every workload is ready and every pod Running.
func Seed(ctx context.Context, c *localcluster.Cluster, opts SeedOptions) (*Status, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pools, err := Pools()
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		log.Info("adding node pool", "pool", p.Name, "nodes", p.Nodes)
		if _, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: p.Name, Count: p.Nodes, Labels: p.Labels, KubeletVersion: opts.KubeletVersion}); err != nil {
			return nil, fmt.Errorf("add node pool %s: %w", p.Name, err)
		}
	}
	objs, err := manifest.Decode("platform/manifests.yaml", manifestsYAML)
	if err != nil {
		return nil, err
	}
	applier, err := manifest.NewApplier(c.RESTConfig())
	if err != nil {
		return nil, err
	}
	log.Info("applying platform manifests", "objects", len(objs))
	if err := applier.Apply(ctx, objs); err != nil {
		return nil, err
	}
	return WaitReady(ctx, c.Client(), opts.Progress)
}

//go:embed platform/profile.yaml
var profileYAML []byte

// WriteProfile writes the platform's upgrade profile for cluster c, with
// its identity (the kube-system namespace UID) and target, to path.
func WriteProfile(ctx context.Context, c *localcluster.Cluster, target, path string) error {
	ns, err := c.Client().CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read the cluster's identity: %w", err)
	}
	data := strings.NewReplacer("__CLUSTER_UID__", string(ns.UID), "__TARGET__", target).Replace(string(profileYAML))
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		return fmt.Errorf("write the demo profile: %w", err)
	}
	return nil
}

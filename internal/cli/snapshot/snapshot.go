// Package snapshot implements `kubehop snapshot`.
package snapshot

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/apidata"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/inventory"
)

const long = `Read the cluster into one snapshot file: the server version; nodes with
their pool, kubelet version, container runtime and conditions; workloads and
their pods; PodDisruptionBudgets; Helm releases; CRDs; TLS certificates (never
their keys); and live objects last written through older API versions.

Every command that reads a cluster also accepts --snapshot FILE, so checks can
run offline, be attached to a change ticket, and be compared after the upgrade.`

// Options are the flags of `kubehop snapshot`.
type Options struct {
	Output    string
	PoolLabel string

	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

// NewCommand returns the snapshot command.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := &Options{Output: "-", streams: streams, global: global}
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save what the upgrade depends on to a file, for offline checks and later comparison",
		Long:  long,
		Example: `  # Save the current context's cluster
  kubehop snapshot -o before.json

  # Check it later, without the cluster
  kubehop check --snapshot before.json --target 1.37`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.Run(cmd.Context()) },
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "file to write the snapshot to (JSON); - for standard output")
	cmd.Flags().StringVar(&o.PoolLabel, "pool-label", "", "node label that names node pools (default: the well-known labels of AKS, EKS, GKE, Anthos and kubehop)")
	return cmd
}

// Run reads the cluster and writes the snapshot.
func (o *Options) Run(ctx context.Context) error {
	s, err := Read(ctx, o.global, o.PoolLabel, apidata.Default().Kinds(), o.streams)
	if err != nil {
		return err
	}
	if o.Output == "-" {
		return s.Write(o.streams.Out)
	}
	if err := s.Save(o.Output); err != nil {
		return err
	}
	fmt.Fprintf(o.streams.ErrOut, "Snapshot of %s (Kubernetes %s) written to %s.\n", s.Cluster.Context, s.Cluster.Version, o.Output)
	return nil
}

// Read takes a snapshot of the cluster the global flags select, telling
// the person on stderr what it read. Live objects are read for liveKinds.
func Read(ctx context.Context, global *cmdutil.GlobalOptions, poolLabel string, liveKinds map[string]bool, streams cmdutil.IOStreams) (*inventory.Snapshot, error) {
	cluster, err := global.Cluster.Load()
	if err != nil {
		return nil, err
	}
	clients, err := inventory.NewClients(cluster.Config)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	fmt.Fprintf(streams.ErrOut, "Reading cluster %s (%s)...\n", cluster.Context, cluster.Server)
	s, err := inventory.Read(ctx, clients, inventory.Options{
		Cluster:   inventory.Cluster{Context: cluster.Context, Server: cluster.Server},
		PoolLabel: poolLabel,
		LiveKinds: liveKinds,
	})
	if err != nil {
		return nil, fmt.Errorf("read cluster %s: %w", cluster.Context, err)
	}
	fmt.Fprintf(streams.ErrOut, "Read %d nodes, %d workloads, %d pods, %d PDBs, %d Helm releases, %d certificates in %s.\n",
		len(s.Nodes), len(s.Workloads), len(s.Pods), len(s.PDBs), len(s.HelmReleases), len(s.Certificates), time.Since(start).Round(time.Millisecond))
	for _, w := range s.Warnings {
		fmt.Fprintf(streams.ErrOut, "warning: %s\n", w)
	}
	return s, nil
}

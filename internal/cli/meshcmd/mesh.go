// Package meshcmd implements kubehop mesh upgrade and rollback.
package meshcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	cliplan "github.com/kubehop/kubehop/internal/cli/plan"
	"github.com/kubehop/kubehop/internal/cli/runbook"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/manifest"
	"github.com/kubehop/kubehop/internal/mesh"
	"github.com/kubehop/kubehop/internal/profile"
)

const upgradeLong = `Upgrade the service mesh (Istio, Anthos Service Mesh) to a new control plane
revision, canary style, as a journalled and resumable plan:

  1. the new istiod revision must run (the profile's mesh.install installs
     it with the pinned installer when it does not);
  2. every namespace on the old revision is labelled istio.io/rev=<new>
     and loses istio-injection;
  3. gateways restart first, then the namespaces' workloads;
  4. every pod there must carry istio.io/rev=<new> and run the new
     revision's proxy image;
  5. the default revision tag and the istiod Service move to the new
     revision;
  6. (mesh.approveCleanup: a person runs kubehop approve first) the old
     revision's objects are deleted: its Deployment, Services, HPA, PDB,
     webhook configurations (not revision tags) and IstioOperator.

Until step 6, kubehop mesh rollback puts the labels, the tag and the
Service back and restarts the pods onto the old proxies.`

type options struct {
	profile string
	to      string
	yes     bool
	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

// NewCommand returns kubehop mesh.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "mesh", Short: "Upgrade the service mesh by revision (canary), or roll it back"}
	o := &options{profile: "kubehop.yaml", streams: streams, global: global}
	up := &cobra.Command{
		Use:     "upgrade --to REVISION",
		Short:   "Move every namespace to a new istiod revision, then delete the old one",
		Long:    upgradeLong,
		Example: "  kubehop mesh upgrade -p kubehop.yaml --to 1-21-0",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.upgrade(cmd.Context()) },
	}
	up.Flags().StringVar(&o.to, "to", "", "the istiod revision to move to, such as 1-21-0 (required)")
	back := &cobra.Command{
		Use:     "rollback",
		Short:   "Move namespaces, the default tag and the istiod Service back to the revision the last upgrade left",
		Example: "  kubehop mesh rollback -p kubehop.yaml",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.rollback(cmd.Context()) },
	}
	for _, c := range []*cobra.Command{up, back} {
		c.Flags().StringVarP(&o.profile, "profile", "p", o.profile, "profile file")
		c.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	}
	cmd.AddCommand(up, back)
	return cmd
}

type session struct {
	prof   *profile.Profile
	runner *runbook.Runner
	state  *mesh.State
}

func (o *options) connect(ctx context.Context) (*session, error) {
	prof, err := profile.Load(o.profile)
	if err != nil {
		return nil, exitcode.Invalid(err)
	}
	if prof.Mesh == nil {
		prof.Mesh = &profile.Mesh{}
	}
	cluster, client, err := cliplan.Connect(ctx, o.global, prof)
	if err != nil {
		return nil, err
	}
	objects, err := manifest.NewApplier(cluster.Config)
	if err != nil {
		return nil, err
	}
	state, err := mesh.Read(ctx, client, objects, prof.Mesh)
	if err != nil {
		return nil, err
	}
	return &session{prof: prof, state: state, runner: &runbook.Runner{Streams: o.streams, Profile: prof, Client: client, Objects: objects, Yes: o.yes}}, nil
}

func (o *options) upgrade(ctx context.Context) error {
	if o.to == "" {
		return exitcode.Invalid(errors.New("--to is required: the istiod revision to move to"))
	}
	s, err := o.connect(ctx)
	if err != nil {
		return err
	}
	path := runbook.Path(s.prof, "mesh-"+o.to)
	rec, err := s.runner.Run(ctx, path, "Move the mesh to revision "+o.to, func() (*runbook.Record, error) {
		pl, err := mesh.Upgrade(s.prof, s.state, o.to)
		if err != nil {
			return nil, exitcode.Invalid(err)
		}
		return &runbook.Record{Plan: pl, Kind: "upgrade"}, nil
	})
	if err != nil {
		if rec != nil && !errors.Is(err, runbook.ErrFinished) {
			fmt.Fprintf(o.streams.ErrOut, "\nThe mesh upgrade stopped; the journal is %s. Run the same command to continue, or: kubehop mesh rollback -p %s\n", path, o.profile)
		}
		return err
	}
	fmt.Fprintf(o.streams.Out, "The mesh runs revision %s (it was %s); journal %s.\n", o.to, rec.Plan.From, path)
	return nil
}

func (o *options) rollback(ctx context.Context) error {
	s, err := o.connect(ctx)
	if err != nil {
		return err
	}
	upgrade, err := runbook.Latest(s.prof, "mesh-*", func(p string) bool { return !runbook.Current(p) })
	if err != nil {
		return exitcode.Invalid(fmt.Errorf("nothing to roll back: %w", err))
	}
	entries, err := journal.ReadFile(upgrade)
	if err != nil {
		return err
	}
	var rec runbook.Record
	labels := map[string]map[string]*string{}
	for _, e := range entries {
		switch {
		case e.Type == journal.Plan:
			if err := json.Unmarshal(e.Data, &rec); err != nil {
				return fmt.Errorf("%w: %s: %v", journal.ErrCorrupt, upgrade, err)
			}
		case e.Type == journal.Original && strings.HasPrefix(e.Object, "labels Namespace "):
			var before map[string]*string
			if err := json.Unmarshal(e.Data, &before); err != nil {
				return fmt.Errorf("%w: %s: %v", journal.ErrCorrupt, upgrade, err)
			}
			labels[strings.TrimPrefix(e.Object, "labels Namespace ")] = before
		}
	}
	if rec.Plan == nil {
		return exitcode.Invalid(fmt.Errorf("the journal %s holds no mesh upgrade", upgrade))
	}
	from := rec.Plan.From
	path := strings.TrimSuffix(upgrade, ".journal") + ".rollback.journal"
	if _, err := s.runner.Run(ctx, path, "Move the mesh back to revision "+from, func() (*runbook.Record, error) {
		pl, err := mesh.Rollback(s.prof, s.state, from, labels)
		if err != nil {
			return nil, exitcode.Invalid(err)
		}
		return &runbook.Record{Plan: pl, Kind: "rollback"}, nil
	}); err != nil {
		return err
	}
	if err := runbook.Archive(upgrade, path); err != nil {
		return err
	}
	fmt.Fprintf(o.streams.Out, "The mesh is back on revision %s; the journals are archived beside %s.\n", from, path)
	return nil
}

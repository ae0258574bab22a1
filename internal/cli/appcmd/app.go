// Package appcmd implements kubehop app upgrade and rollback, and kubehop
// approve.
package appcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/app"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	cliplan "github.com/kubehop/kubehop/internal/cli/plan"
	"github.com/kubehop/kubehop/internal/cli/runbook"
	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/profile"
)

const upgradeLong = `Upgrade the profile's stateful application (its app section) to a new image
tag, as the platform runbook does, with the same journal as kubehop apply:

  minor (the minor version changes; the schema migrates, with downtime):
    stop the application and the others (replicas recorded), back up the
    database (a Job from the backup CronJob), set the new tag, hold the
    application at exactly 1 replica and the others at 0, follow the
    migration container's log until its success line, wait until the
    application is Ready, scale everything back to the recorded replicas,
    verify the cluster;
  patch: back up, set the new tag (a rolling update), wait, verify.

A migration that logs its failure line rolls back at once: everything
stopped, the database restored from this run's backup, the previous tag,
the recorded replicas. Run again after an interruption to continue where
it stopped (the journal is .kubehop/<cluster>.app-<tag>.journal).`

type options struct {
	profile string
	to      string
	kind    string
	yes     bool
	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

// NewCommand returns kubehop app.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app",
		Short: "Upgrade or roll back the profile's stateful application",
		Long:  "Run the platform runbook's application upgrade and rollback as journalled, resumable plans.",
	}
	cmd.AddCommand(newUpgradeCommand(streams, global), newRollbackCommand(streams, global))
	return cmd
}

func newUpgradeCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := &options{profile: "kubehop.yaml", streams: streams, global: global}
	cmd := &cobra.Command{
		Use:   "upgrade --to TAG",
		Short: "Upgrade the application to a new tag (minor: downtime and schema migration; patch: rolling)",
		Long:  upgradeLong,
		Example: `  kubehop app upgrade -p kubehop.yaml --to 1.41.0
  kubehop app upgrade -p kubehop.yaml --to 1.40.6 --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.upgrade(cmd.Context()) },
	}
	cmd.Flags().StringVarP(&o.profile, "profile", "p", o.profile, "profile file")
	cmd.Flags().StringVar(&o.to, "to", "", "the image tag to upgrade to (required)")
	cmd.Flags().StringVar(&o.kind, "kind", "", "minor or patch (default: from the tags' versions)")
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func newRollbackCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := &options{profile: "kubehop.yaml", streams: streams, global: global}
	cmd := &cobra.Command{
		Use:   "rollback",
		Short: "Return the application to where its last upgrade started",
		Long: `Roll back the last application upgrade (or the one to --to TAG): stop the
application and the others, restore the database from the backup that
upgrade took (minor upgrades), set the previous images, scale back to the
replicas recorded before the upgrade, verify.`,
		Example: `  kubehop app rollback -p kubehop.yaml`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.rollback(cmd.Context()) },
	}
	cmd.Flags().StringVarP(&o.profile, "profile", "p", o.profile, "profile file")
	cmd.Flags().StringVar(&o.to, "to", "", "the upgrade to roll back, by its target tag (default: the last one)")
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// journalName is the runbook journal of an upgrade to tag.
func journalName(tag string) string { return "app-" + tag }

type session struct {
	o       *options
	prof    *profile.Profile
	client  kubernetes.Interface
	minor   string
	current map[string]int32
	images  map[string]string
}

func (s *session) runner() *runbook.Runner {
	return &runbook.Runner{Streams: s.o.streams, Profile: s.prof, Client: s.client, Yes: s.o.yes}
}

func (o *options) connect(ctx context.Context) (*session, error) {
	prof, err := profile.Load(o.profile)
	if err != nil {
		return nil, exitcode.Invalid(err)
	}
	if prof.App == nil {
		return nil, exitcode.Invalid(fmt.Errorf("%s: no app section: name the application's workload, backup CronJob, restore and migration (see docs/runbooks.md)", prof.File()))
	}
	_, client, err := cliplan.Connect(ctx, o.global, prof)
	if err != nil {
		return nil, err
	}
	s := &session{o: o, prof: prof, client: client}
	if s.minor, err = clusterMinor(client); err != nil {
		return nil, err
	}
	if s.images, s.current, err = readApp(ctx, client, prof.App); err != nil {
		return nil, err
	}
	return s, nil
}

func clusterMinor(client kubernetes.Interface) (string, error) {
	v, err := client.Discovery().ServerVersion()
	if err != nil {
		return "", fmt.Errorf("read the cluster's version: %w", err)
	}
	return strings.TrimSuffix(v.Major+"."+v.Minor, "+"), nil
}

func (o *options) upgrade(ctx context.Context) error {
	if o.to == "" {
		return exitcode.Invalid(errors.New("--to is required: the image tag to upgrade to"))
	}
	if o.kind != "" && o.kind != app.Minor && o.kind != app.Patch {
		return exitcode.Invalid(fmt.Errorf("--kind %q: want minor or patch", o.kind))
	}
	s, err := o.connect(ctx)
	if err != nil {
		return err
	}
	a := s.prof.App
	path := runbook.Path(s.prof, journalName(o.to))
	running := app.Tag(s.images[a.Container])
	rec, err := s.runner().Run(ctx, path, fmt.Sprintf("Upgrade %s from %s to %s", a.Workload, running, o.to), func() (*runbook.Record, error) {
		kind := o.kind
		if kind == "" {
			var err error
			if kind, err = app.Kind(running, o.to); err != nil {
				return nil, exitcode.Invalid(err)
			}
		}
		pl, err := app.Upgrade(s.prof, kind, o.to, app.Inputs{Images: s.images, ClusterMinor: s.minor})
		if err != nil {
			return nil, exitcode.Invalid(err)
		}
		return &runbook.Record{Plan: pl, Kind: kind}, nil
	})
	if errors.Is(err, execute.ErrLogFailure) && rec != nil && rec.Kind == app.Minor {
		fmt.Fprintf(o.streams.ErrOut, "\nThe migration failed: %v\nRolling back to where the upgrade started.\n", err)
		entries, rerr := journal.ReadFile(path)
		if rerr != nil {
			return errors.Join(err, rerr)
		}
		if rerr := s.rollbackFrom(ctx, path, entries); rerr != nil {
			return errors.Join(err, fmt.Errorf("the rollback did not finish (kubehop app rollback -p %s --to %s continues it): %w", o.profile, o.to, rerr))
		}
		return fmt.Errorf("the upgrade to %s was rolled back: %w", o.to, err)
	}
	if err != nil {
		if rec != nil && !errors.Is(err, runbook.ErrFinished) {
			fmt.Fprintf(o.streams.ErrOut, "\nThe upgrade stopped; the journal is %s. Fix the cause and run the same command again to continue, or roll back: kubehop app rollback -p %s --to %s\n", path, o.profile, o.to)
		}
		return err
	}
	fmt.Fprintf(o.streams.Out, "Upgraded %s to %s (%s); journal %s.\n", a.Workload, o.to, rec.Kind, path)
	return nil
}

func (o *options) rollback(ctx context.Context) error {
	s, err := o.connect(ctx)
	if err != nil {
		return err
	}
	path, err := o.upgradeJournal(s.prof)
	if err != nil {
		return exitcode.Invalid(err)
	}
	entries, err := journal.ReadFile(path)
	if err != nil {
		return err
	}
	return s.rollbackFrom(ctx, path, entries)
}

// upgradeJournal finds the upgrade journal to roll back: --to's, else the
// newest.
func (o *options) upgradeJournal(prof *profile.Profile) (string, error) {
	if o.to != "" {
		p := runbook.Path(prof, journalName(o.to))
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("no journal of an upgrade to %s (%s)", o.to, p)
		}
		return p, nil
	}
	return runbook.Latest(prof, journalName("*"), func(p string) bool { return !runbook.Current(p) })
}

// rollbackFrom plans the rollback of the upgrade journalled in entries and
// runs it with a journal of its own beside the upgrade's.
func (s *session) rollbackFrom(ctx context.Context, upgradePath string, entries []journal.Entry) error {
	records, err := app.ReadRecords(entries)
	if err != nil {
		return err
	}
	var kind string
	if st := journal.Replay(entries); st.Plan != nil {
		var rec runbook.Record
		if err := json.Unmarshal(st.Plan, &rec); err == nil {
			kind = rec.Kind
		}
	}
	path := strings.TrimSuffix(upgradePath, ".journal") + ".rollback.journal"
	rec, err := s.runner().Run(ctx, path, "Roll back "+s.prof.App.Workload, func() (*runbook.Record, error) {
		pl, err := app.Rollback(s.prof, kind, records, s.current, s.minor)
		if err != nil {
			return nil, exitcode.Invalid(err)
		}
		return &runbook.Record{Plan: pl, Kind: "rollback"}, nil
	})
	if err != nil {
		if rec != nil && !errors.Is(err, runbook.ErrFinished) {
			fmt.Fprintf(s.o.streams.ErrOut, "\nThe rollback stopped; the journal is %s. Fix the cause, then: kubehop app rollback -p %s\n", path, s.o.profile)
		}
		return err
	}
	if err := runbook.Archive(upgradePath, path); err != nil {
		return err
	}
	fmt.Fprintf(s.o.streams.Out, "Rolled back %s to %s; the journals are archived beside %s.\n", s.prof.App.Workload, rec.Plan.Target, path)
	return nil
}

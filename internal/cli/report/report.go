// Package report implements `kubehop report` and keeps where a profile's
// run writes its files.
package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/apidata"
	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/profile"
	"github.com/kubehop/kubehop/internal/runreport"
	"github.com/kubehop/kubehop/internal/scan"
)

// Files are where a run of a profile keeps its files: beside the profile,
// in .kubehop/, named after the cluster.
type Files struct {
	// Journal is the run's journal; Baseline the snapshot taken before
	// its first change; Report the HTML report.
	Journal, Baseline, Report string
}

// FilesFor returns the files of a profile's runs; journal, when set,
// overrides the journal's path and the others follow it.
func FilesFor(profilePath, cluster, journalPath string) Files {
	if journalPath == "" {
		journalPath = filepath.Join(filepath.Dir(profilePath), ".kubehop", cluster+".journal")
	}
	base := strings.TrimSuffix(journalPath, ".journal")
	return Files{Journal: journalPath, Baseline: base + ".before.json", Report: base + ".report.html"}
}

const long = `Write the report of an upgrade run from its journal: the plan as a graph, a
timeline (Gantt) of every phase, pool and node drain with what waited on
which PodDisruptionBudget, the check findings on the snapshot taken before
the run, the verification after it, and the profile's manual checklist for
a person to tick.

The HTML report is one self-contained file (it loads nothing from the
network) to attach to a change ticket or open in a browser. Markdown suits
the ticket's text; JSON suits scripts. kubehop apply writes the HTML report
itself when the run ends, and prints where it is.

The report can be written while a run is in progress, or after it failed:
it shows what has happened so far.`

// Options are the flags of `kubehop report`.
type Options struct {
	Profile string
	Journal string
	Format  string
	Out     string

	streams cmdutil.IOStreams
}

// NewCommand returns the report command.
func NewCommand(streams cmdutil.IOStreams) *cobra.Command {
	o := &Options{Profile: "kubehop.yaml", Format: "html", streams: streams}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write an upgrade run's report (HTML, Markdown or JSON) from its journal",
		Long:  long,
		Example: `  # The HTML report of the profile's last run, beside its journal
  kubehop report -p kubehop.yaml

  # Markdown for the change ticket, on standard output
  kubehop report -p kubehop.yaml -o markdown --out -

  # From a journal copied from another machine
  kubehop report -p kubehop.yaml --journal ./prod.journal --out prod.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.Run(cmd.Context()) },
	}
	cmd.Flags().StringVarP(&o.Profile, "profile", "p", o.Profile, "profile of the run (for its cluster name and checklist)")
	cmd.Flags().StringVar(&o.Journal, "journal", "", "journal file (default .kubehop/<cluster>.journal beside the profile)")
	cmd.Flags().StringVarP(&o.Format, "output", "o", o.Format, "format: html, markdown or json")
	cmd.Flags().StringVar(&o.Out, "out", "", "file to write, - for standard output (default beside the journal: <cluster>.report.html, .md or .json)")
	return cmd
}

// Run writes the report.
func (o *Options) Run(ctx context.Context) error {
	ext, ok := map[string]string{"html": ".html", "markdown": ".md", "json": ".json"}[o.Format]
	if !ok {
		return exitcode.Invalid(fmt.Errorf("--output %q: want html, markdown or json", o.Format))
	}
	prof, err := profile.Load(o.Profile)
	if err != nil {
		return exitcode.Invalid(err)
	}
	files := FilesFor(o.Profile, prof.Cluster.Name, o.Journal)
	out := o.Out
	if out == "" {
		out = strings.TrimSuffix(files.Report, ".html") + ext
	}
	if _, err := os.Stat(files.Journal); errors.Is(err, os.ErrNotExist) {
		return exitcode.Invalid(fmt.Errorf("no journal at %s: run kubehop apply -p %s first, or name the journal with --journal", files.Journal, o.Profile))
	}
	var buf bytes.Buffer
	if err := Write(&buf, o.Format, files, prof.Checklist); err != nil {
		return err
	}
	if out == "-" {
		_, err := o.streams.Out.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	fmt.Fprintf(o.streams.ErrOut, "Report: %s\n", out)
	return nil
}

// Write renders the report of the run whose files are given.
func Write(w io.Writer, format string, files Files, checklist []string) error {
	entries, err := journal.ReadFile(files.Journal)
	if err != nil {
		return err
	}
	in := runreport.Inputs{Journal: files.Journal, Checklist: checklist}
	r, err := runreport.Build(entries, in)
	if err != nil {
		return err
	}
	if baseline, err := inventory.Load(files.Baseline); err == nil && r.Plan != nil {
		r.Findings = findings(baseline, r.Plan.Target, r.Provider)
	}
	switch format {
	case "markdown":
		return runreport.Markdown(w, r)
	case "json":
		return runreport.JSON(w, r)
	}
	return runreport.HTML(w, r)
}

// WriteFile writes the HTML report of a run to its place and returns it.
func WriteFile(files Files, checklist []string) (string, error) {
	var buf bytes.Buffer
	if err := Write(&buf, "html", files, checklist); err != nil {
		return "", err
	}
	if err := os.WriteFile(files.Report, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write the report: %w", err)
	}
	return files.Report, nil
}

// findings runs the checks on the snapshot taken before the run, as
// kubehop check --snapshot would.
func findings(s *inventory.Snapshot, target, provider string) []check.Finding {
	policy := check.DefaultPolicy()
	t, err := policy.ParseMinor(target)
	if err != nil {
		return nil
	}
	current, err := version.ParseGeneric(s.Cluster.Version)
	if err != nil {
		return nil
	}
	hops, err := check.PlanHops(current, t)
	if err != nil {
		return nil
	}
	sc := &scan.Scanner{Data: apidata.Default()}
	in := &check.Input{Snapshot: s, Current: current, Target: t, Hops: hops, Provider: provider, Now: s.TakenAt, Policy: policy, Scan: sc.ScanSnapshot(s)}
	return check.Run(in, check.Registry()).Findings
}

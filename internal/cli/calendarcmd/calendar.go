// Package calendarcmd implements `kubehop calendar`.
package calendarcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/calendar"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	cliplan "github.com/kubehop/kubehop/internal/cli/plan"
	"github.com/kubehop/kubehop/internal/cli/snapshot"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

const long = `Say what maintenance is due and when: what must be renewed, rotated or
upgraded, the deadline, and the day the work must start so that it is done
in time.

The calendar reads the profile and the cluster (or a snapshot):

  certificate     every TLS Secret in the cluster: its certificate's expiry.
                  Secrets the profile's certificates section lists go by the
                  entry's name (renew with kubehop cert renew --name NAME).
  license         the profile's licenses that have expires: YYYY-MM-DD.
  credential      the profile's credentials (a service principal's secret).
  end-of-support  the end of support of the running Kubernetes minor, and of
                  the profile's target: EKS and GKE end of standard support,
                  AKS end of life, upstream Kubernetes end of life for local,
                  kubeadm and anthos-bm clusters (terraform: whichever cloud
                  the nodes run on). A minor kubehop's table does not list is
                  shown as unknown, never guessed; --support-data gives a
                  newer table (the built-in one names its sources).
  planned         the profile's planned maintenance (an application upgrade).

Each item starts its lead time before the deadline: the entry's leadTime if
the profile gives one, else the runbook's: 2 weeks for certificates, 1 week
for licences, credentials and planned work (set leadTime: 48h on a planned
patch upgrade), 30 days for the end of support (time to check, plan and run
the minor upgrade).

STATUS is overdue once the deadline passed (a certificate at its expiry, a
date at the end of its day), due once the work should have started (from
the start of the DUE day), upcoming otherwise, unknown when kubehop cannot
tell the date. The table lists what starts within --within (90 days) and
everything overdue, due or unknown, soonest first.

--ics writes an iCalendar file (RFC 5545) to import or subscribe to: for
every item with a date, whatever --within says, an all-day event on its
deadline and one on the day the work starts, with a reminder. Event UIDs
stay the same from one run to the next, so importing the file again updates
the events rather than duplicating them.

Exit codes: 0 nothing overdue or due, 3 something is overdue or due (so a
daily job can alert), 2 bad input, 1 other errors.`

// Options are the flags of `kubehop calendar`.
type Options struct {
	Profile     string
	Snapshot    string
	Within      string
	ICS         string
	SupportData string
	Now         string
	Output      *cmdutil.OutputOptions

	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
	now     func() time.Time
}

// NewOptions returns the defaults.
func NewOptions(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *Options {
	return &Options{
		Profile: "kubehop.yaml", Within: "90d",
		Output:  cmdutil.NewOutputOptions("text", "json", "yaml"),
		streams: streams, global: global, now: time.Now,
	}
}

// NewCommand returns the calendar command.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := NewOptions(streams, global)
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "Say what maintenance is due and when: certificates, licences, credentials, end of support",
		Long:  long,
		Example: `  # What is due in the next 90 days on the profile's cluster
  kubehop calendar -p kubehop.yaml

  # The next half year, from a snapshot, as JSON for a script
  kubehop calendar -p kubehop.yaml --snapshot before.json --within 26w -o json

  # Every dated item into a calendar the team subscribes to
  kubehop calendar -p kubehop.yaml --ics maintenance.ics

  # A daily job that alerts when anything is due (exit code 3)
  kubehop calendar -p kubehop.yaml --within 0d || notify-team`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.Run(cmd.Context()) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.Profile, "profile", "p", o.Profile, "profile file (kubehop init writes one)")
	fs.StringVar(&o.Snapshot, "snapshot", "", "read this snapshot file (kubehop snapshot) instead of the cluster")
	fs.StringVar(&o.Within, "within", o.Within, "list what starts within this time: days (90d), weeks (12w) or a duration (36h)")
	fs.StringVar(&o.ICS, "ics", "", "also write an iCalendar file of every dated item (- for standard output, instead of the table)")
	fs.StringVar(&o.SupportData, "support-data", "", "end-of-support data file to use instead of the built-in one")
	fs.StringVar(&o.Now, "now", "", "compute as of this time (RFC 3339 or a date), for tests")
	_ = fs.MarkHidden("now")
	o.Output.AddFlags(fs)
	return cmd
}

// Run computes the calendar and writes it; the exit code says whether
// anything is overdue or due.
func (o *Options) Run(ctx context.Context) error {
	if err := o.Output.Validate(); err != nil {
		return err
	}
	if o.ICS == "-" && o.Output.Format != "text" {
		return exitcode.Invalid(errors.New("--ics - writes the calendar to standard output: it excludes -o " + o.Output.Format))
	}
	within, err := ParseWithin(o.Within)
	if err != nil {
		return exitcode.Invalid(err)
	}
	now := o.now()
	if o.Now != "" {
		if now, err = parseNow(o.Now); err != nil {
			return exitcode.Invalid(err)
		}
	}
	prof, err := profile.Load(o.Profile)
	if err != nil {
		return exitcode.Invalid(err)
	}
	support := calendar.DefaultSupport()
	if o.SupportData != "" {
		if support, err = calendar.LoadSupport(o.SupportData); err != nil {
			return exitcode.Invalid(fmt.Errorf("--support-data: %w", err))
		}
	}
	snap, err := o.snapshot(ctx, prof)
	if err != nil {
		return err
	}

	all := calendar.Build(calendar.Input{Profile: prof, Snapshot: snap, Support: support, Now: now})
	shown := calendar.Within(all, now, within)
	if o.ICS != "" {
		if err := o.writeICS(all, prof, now); err != nil {
			return err
		}
	}
	if o.ICS != "-" {
		switch {
		case o.Output.Structured():
			err = o.Output.PrintStructured(o.streams.Out, shown)
		default:
			fmt.Fprintf(o.streams.Out, "Maintenance of %s%s as of %s:\n\n", prof.Cluster.Name, describeCluster(prof, snap), now.Format(time.DateOnly))
			err = calendar.WriteText(o.streams.Out, shown, within)
		}
		if err != nil {
			return err
		}
	}
	if calendar.Summarize(shown).Pressing() {
		return exitcode.Quiet(exitcode.Warnings)
	}
	return nil
}

// snapshot reads the saved snapshot, or the cluster the profile names
// (refusing any other).
func (o *Options) snapshot(ctx context.Context, prof *profile.Profile) (*inventory.Snapshot, error) {
	if o.Snapshot != "" {
		s, err := inventory.Load(o.Snapshot)
		if err != nil {
			return nil, exitcode.Invalid(err)
		}
		return s, nil
	}
	if _, _, err := cliplan.Connect(ctx, o.global, prof); err != nil {
		return nil, err
	}
	// The calendar needs certificates and the version; no live objects.
	return snapshot.Read(ctx, o.global, prof.PoolLabel, map[string]bool{}, o.streams)
}

func (o *Options) writeICS(items []calendar.Item, prof *profile.Profile, now time.Time) error {
	opts := calendar.ICSOptions{Name: "kubehop: " + prof.Cluster.Name, Now: now}
	if o.ICS == "-" {
		return calendar.WriteICS(o.streams.Out, items, opts)
	}
	if err := writeFileAtomic(o.ICS, func(w io.Writer) error { return calendar.WriteICS(w, items, opts) }); err != nil {
		return fmt.Errorf("--ics: %w", err)
	}
	n := 0
	for _, it := range items {
		if it.Dated() {
			n++
		}
	}
	fmt.Fprintf(o.streams.ErrOut, "Wrote %d dated items to %s.\n", n, o.ICS)
	return nil
}

// writeFileAtomic writes path through a temporary file beside it, so that
// a calendar application reading it never sees half a file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func describeCluster(prof *profile.Profile, s *inventory.Snapshot) string {
	if s == nil {
		return " (" + prof.Provider + ")"
	}
	return fmt.Sprintf(" (%s, Kubernetes %s)", prof.Provider, s.Cluster.Version)
}

var daysOrWeeks = regexp.MustCompile(`^(\d+)([dw])$`)

// ParseWithin reads a window: "90d", "12w", or a Go duration such as
// "36h"; it must not be negative.
func ParseWithin(s string) (time.Duration, error) {
	if m := daysOrWeeks.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100*366 {
			return 0, fmt.Errorf("--within %q: too long", s)
		}
		d := time.Duration(n) * 24 * time.Hour
		if m[2] == "w" {
			d *= 7
		}
		return d, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("--within %q: want days (90d), weeks (12w) or a duration (36h)", s)
	}
	if d < 0 {
		return 0, errors.New("--within must not be negative")
	}
	return d, nil
}

func parseNow(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--now %q: want a time such as 2026-12-01T06:00:00Z or a date", s)
}

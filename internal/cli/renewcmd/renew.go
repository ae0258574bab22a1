// Package renewcmd implements kubehop cert renew and rollback, and kubehop
// license renew and rollback: new credentials checked before anything
// changes, the Secrets backed up beside themselves, updated, the workloads
// that mount them restarted, and (certificates) what the endpoint serves
// checked.
package renewcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/certs"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	cliplan "github.com/kubehop/kubehop/internal/cli/plan"
	"github.com/kubehop/kubehop/internal/cli/runbook"
	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
)

type options struct {
	profile string
	name    string
	cert    string
	key     string
	files   []string
	yes     bool
	license bool
	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

func (o *options) what() string {
	if o.license {
		return "license"
	}
	return "cert"
}

// NewCertCommand returns kubehop cert.
func NewCertCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "cert", Short: "Renew or roll back a TLS certificate held in Secrets"}
	o := &options{profile: "kubehop.yaml", streams: streams, global: global}
	renew := &cobra.Command{
		Use:   "renew --cert FULLCHAIN --key KEY",
		Short: "Check a new certificate, then put it in its Secrets and restart what mounts them",
		Long: `Renew a certificate of the profile's certificates section. Before anything
changes, the new certificate must be a full chain in order (every
intermediate, each signed by the next), match its private key, cover the
names the profile lists, be valid now and for minValidity more, and be a
server certificate of a strong key: otherwise kubehop refuses it (exit 2)
and says why, naming the file.

Then, journalled and resumable: each Secret is copied to a dated backup
beside it (<name>-backup-<date>), its tls.crt and tls.key are replaced, the
workloads that mount it (found in the namespace, and those the profile
lists) are restarted, and the endpoint is checked until it serves the new
certificate. kubehop cert rollback puts the backups back.`,
		Example: `  kubehop cert renew -p kubehop.yaml --name vantiq-tls --cert fullchain.crt --key private.key`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.renew(cmd.Context()) },
	}
	o.flags(renew)
	renew.Flags().StringVar(&o.cert, "cert", "", "the new certificate: PEM, leaf first, then every intermediate")
	renew.Flags().StringVar(&o.key, "key", "", "the new certificate's private key (PEM)")
	cmd.AddCommand(renew, rollbackCommand(o))
	return cmd
}

// NewLicenseCommand returns kubehop license.
func NewLicenseCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "license", Short: "Renew or roll back a licence held in Secrets"}
	o := &options{profile: "kubehop.yaml", streams: streams, global: global, license: true}
	renew := &cobra.Command{
		Use:   "renew --file KEY=PATH ...",
		Short: "Put new licence files in their Secrets and restart what mounts them",
		Long: `Renew a licence of the profile's licenses section: every Secret key the
profile names must be given a file (--file public.pem=./public.pem). Each
Secret is copied to a dated backup beside it, updated, and the workloads
mounting it are restarted (the runbook's rollout restart). kubehop license
rollback puts the backups back.`,
		Example: `  kubehop license renew -p kubehop.yaml --file public.pem=public.pem --file license.key=license.key`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.renew(cmd.Context()) },
	}
	o.flags(renew)
	renew.Flags().StringArrayVar(&o.files, "file", nil, "KEY=PATH: the Secret key and the file its new value is in (repeat)")
	cmd.AddCommand(renew, rollbackCommand(o))
	return cmd
}

func (o *options) flags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.profile, "profile", "p", o.profile, "profile file")
	cmd.Flags().StringVar(&o.name, "name", "", "which of the profile's entries (default: the only one)")
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
}

func rollbackCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollback",
		Short: "Put back the Secrets the last renewal backed up, and restart what mounts them",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.rollback(cmd.Context()) },
	}
	o.flags(cmd)
	return cmd
}

func (o *options) load() (*profile.Profile, *profile.Renewal, error) {
	prof, err := profile.Load(o.profile)
	if err != nil {
		return nil, nil, exitcode.Invalid(err)
	}
	var r *profile.Renewal
	if o.license {
		r, err = prof.License(o.name)
	} else {
		r, err = prof.Certificate(o.name)
	}
	if err != nil {
		return nil, nil, exitcode.Invalid(err)
	}
	return prof, r, nil
}

// files checks the new credential and returns the Secret keys' files.
func (o *options) checkFiles(r *profile.Renewal) (map[string]string, string, error) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	if !o.license {
		if o.cert == "" || o.key == "" {
			return nil, "", exitcode.Invalid(errors.New("--cert and --key are required"))
		}
		b, err := certs.ParseFiles(o.cert, o.key)
		if err != nil {
			return nil, "", exitcode.Invalid(fmt.Errorf("%w; nothing was changed", err))
		}
		problems := certs.Validate(b, certs.Options{Names: r.Names, Now: time.Now(), MinValidity: r.MinValidity.Duration})
		if err := problems.Err(o.cert); err != nil {
			return nil, "", exitcode.Invalid(fmt.Errorf("the new certificate is refused; nothing was changed: %w", err))
		}
		return map[string]string{corev1.TLSCertKey: abs(o.cert), corev1.TLSPrivateKeyKey: abs(o.key)}, certs.Fingerprint(b.Leaf()), nil
	}
	files := map[string]string{}
	for _, f := range o.files {
		k, path, ok := strings.Cut(f, "=")
		if !ok || k == "" || path == "" {
			return nil, "", exitcode.Invalid(fmt.Errorf("--file %q: want KEY=PATH", f))
		}
		if !slices.Contains(r.Keys, k) {
			return nil, "", exitcode.Invalid(fmt.Errorf("--file %s: the profile's licence %s has keys %s", k, r.Name, strings.Join(r.Keys, ", ")))
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
			return nil, "", exitcode.Invalid(fmt.Errorf("--file %s=%s: missing or empty; nothing was changed", k, path))
		}
		files[k] = abs(path)
	}
	for _, k := range r.Keys {
		if _, ok := files[k]; !ok {
			return nil, "", exitcode.Invalid(fmt.Errorf("no --file for key %s of licence %s; nothing was changed", k, r.Name))
		}
	}
	return files, "", nil
}

func (o *options) connect(ctx context.Context, prof *profile.Profile) (kubernetes.Interface, error) {
	_, client, err := cliplan.Connect(ctx, o.global, prof)
	return client, err
}

func (o *options) renew(ctx context.Context) error {
	prof, r, err := o.load()
	if err != nil {
		return err
	}
	files, fingerprint, err := o.checkFiles(r)
	if err != nil {
		return err
	}
	client, err := o.connect(ctx, prof)
	if err != nil {
		return err
	}
	restart, err := workloadsMounting(ctx, client, r)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%s-%s", o.what(), r.Name, time.Now().UTC().Format("20060102"))
	path := runbook.Path(prof, name)
	runner := &runbook.Runner{Streams: o.streams, Profile: prof, Client: client, Yes: o.yes}
	_, err = runner.Run(ctx, path, fmt.Sprintf("Renew %s %s", o.what(), r.Name), func() (*runbook.Record, error) {
		return &runbook.Record{Plan: renewalPlan(prof, r, files, restart, fingerprint), Kind: "renew"}, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(o.streams.Out, "Renewed %s %s in %s; journal %s. Roll back with: kubehop %s rollback -p %s --name %s\n",
		o.what(), r.Name, strings.Join(r.Secrets, ", "), path, o.what(), o.profile, r.Name)
	return nil
}

// renewalPlan backs each Secret up, updates it, restarts what mounts them,
// then checks the endpoint. files nil restores the recorded backups.
func renewalPlan(prof *profile.Profile, r *profile.Renewal, files map[string]string, restart []string, fingerprint string) *plan.Plan {
	pl := &plan.Plan{APIVersion: plan.APIVersion, Cluster: prof.Cluster, Provider: "secrets", Target: r.Name}
	var updates []string
	for _, s := range r.Secrets {
		obj := "Secret " + s
		if files != nil {
			pl.Steps = append(pl.Steps, plan.Step{ID: "backup/" + s, Phase: "backup", Kind: plan.KindSecretBackup, Object: obj,
				Title: fmt.Sprintf("Copy %s to a dated backup beside it", obj)})
			pl.Steps = append(pl.Steps, plan.Step{ID: "update/" + s, Phase: "update", Kind: plan.KindSecretUpdate, Object: obj, After: []string{"backup/" + s},
				Action: &plan.Action{Files: files}, Title: fmt.Sprintf("Set %s from the new files", obj)})
		}
		updates = append(updates, "update/"+s)
	}
	var restarts []string
	for _, w := range restart {
		id := "restart/" + w
		pl.Steps = append(pl.Steps, plan.Step{ID: id, Phase: "restart", Kind: plan.KindRolloutRestart, Object: w, After: slices.Clone(updates),
			Title: fmt.Sprintf("Restart %s so that it reads the new Secret", w)})
		restarts = append(restarts, id)
	}
	if e := r.Endpoint; e != nil && fingerprint != "" {
		pl.Steps = append(pl.Steps, plan.Step{ID: "served", Phase: "check", Kind: plan.KindServedCertificate, After: append(slices.Clone(updates), restarts...),
			Action: &plan.Action{Address: e.Address, ServerName: e.ServerName, Fingerprint: fingerprint, Timeout: plan.Duration{Duration: 5 * time.Minute}},
			Title:  fmt.Sprintf("Check that %s serves the new certificate %s", e.Address, fingerprint)})
	}
	return pl
}

// workloadsMounting lists the profile's restart entries and the
// Deployments and StatefulSets whose pods use one of the Secrets (as a
// volume, a projected source, env or envFrom), as "Kind ns/name".
func workloadsMounting(ctx context.Context, client kubernetes.Interface, r *profile.Renewal) ([]string, error) {
	var out []string
	add := func(w string) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	for _, w := range r.Restart {
		ns, kind, name, _ := profile.SplitWorkload(w)
		add(kind + " " + ns + "/" + name)
	}
	byNS := map[string][]string{}
	for _, s := range r.Secrets {
		ns, name, _ := profile.SplitObject(s)
		byNS[ns] = append(byNS[ns], name)
	}
	for ns, names := range byNS {
		deps, err := client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list Deployments in %s: %w", ns, err)
		}
		for _, d := range deps.Items {
			if usesSecret(&d.Spec.Template.Spec, names) {
				add("Deployment " + ns + "/" + d.Name)
			}
		}
		sts, err := client.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list StatefulSets in %s: %w", ns, err)
		}
		for _, s := range sts.Items {
			if usesSecret(&s.Spec.Template.Spec, names) {
				add("StatefulSet " + ns + "/" + s.Name)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func usesSecret(spec *corev1.PodSpec, names []string) bool {
	for _, v := range spec.Volumes {
		if v.Secret != nil && slices.Contains(names, v.Secret.SecretName) {
			return true
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil && slices.Contains(names, src.Secret.Name) {
					return true
				}
			}
		}
	}
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil && slices.Contains(names, e.SecretRef.Name) {
				return true
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && slices.Contains(names, e.ValueFrom.SecretKeyRef.Name) {
				return true
			}
		}
	}
	return false
}

// rollback restores the Secrets from the backups the last renewal made.
func (o *options) rollback(ctx context.Context) error {
	prof, r, err := o.load()
	if err != nil {
		return err
	}
	renewal, err := runbook.Latest(prof, fmt.Sprintf("%s-%s-*", o.what(), r.Name), func(p string) bool { return !runbook.Current(p) })
	if err != nil {
		return exitcode.Invalid(fmt.Errorf("nothing to roll back: %w", err))
	}
	entries, err := journal.ReadFile(renewal)
	if err != nil {
		return err
	}
	backups := map[string]string{}
	for _, e := range entries {
		if e.Type != journal.Original || !strings.HasPrefix(e.Object, "backup Secret ") {
			continue
		}
		var rec execute.BackupRecord
		if err := json.Unmarshal(e.Data, &rec); err != nil {
			return fmt.Errorf("%w: %s: %v", journal.ErrCorrupt, renewal, err)
		}
		backups[strings.TrimPrefix(e.Object, "backup Secret ")] = rec.Name
	}
	client, err := o.connect(ctx, prof)
	if err != nil {
		return err
	}
	restart, err := workloadsMounting(ctx, client, r)
	if err != nil {
		return err
	}
	fingerprint := ""
	pl := renewalPlan(prof, r, nil, restart, "")
	for i, s := range r.Secrets {
		b, ok := backups[s]
		if !ok {
			return exitcode.Invalid(fmt.Errorf("the renewal journal %s has no backup of Secret %s", renewal, s))
		}
		if i == 0 && !o.license {
			if fingerprint, err = backupFingerprint(ctx, client, s, b); err != nil {
				return err
			}
		}
		pl.Steps = append([]plan.Step{{ID: "update/" + s, Phase: "restore", Kind: plan.KindSecretUpdate, Object: "Secret " + s,
			Action: &plan.Action{Restore: true, Backup: b}, Title: fmt.Sprintf("Put Secret %s back from its backup %s", s, b)}}, pl.Steps...)
	}
	if fingerprint != "" {
		pl = withServedCheck(pl, r, fingerprint)
	}
	path := strings.TrimSuffix(renewal, ".journal") + ".rollback.journal"
	runner := &runbook.Runner{Streams: o.streams, Profile: prof, Client: client, Yes: o.yes}
	if _, err := runner.Run(ctx, path, fmt.Sprintf("Roll back %s %s", o.what(), r.Name), func() (*runbook.Record, error) {
		return &runbook.Record{Plan: pl, Kind: "rollback"}, nil
	}); err != nil {
		return err
	}
	if err := runbook.Archive(renewal, path); err != nil {
		return err
	}
	fmt.Fprintf(o.streams.Out, "Rolled back %s %s from its backups; the journals are archived beside %s.\n", o.what(), r.Name, path)
	return nil
}

func withServedCheck(pl *plan.Plan, r *profile.Renewal, fingerprint string) *plan.Plan {
	e := r.Endpoint
	if e == nil {
		return pl
	}
	var after []string
	for _, st := range pl.Steps {
		after = append(after, st.ID)
	}
	pl.Steps = append(pl.Steps, plan.Step{ID: "served", Phase: "check", Kind: plan.KindServedCertificate, After: after,
		Action: &plan.Action{Address: e.Address, ServerName: e.ServerName, Fingerprint: fingerprint, Timeout: plan.Duration{Duration: 5 * time.Minute}},
		Title:  fmt.Sprintf("Check that %s serves the previous certificate %s again", e.Address, fingerprint)})
	return pl
}

func backupFingerprint(ctx context.Context, client kubernetes.Interface, secret, backup string) (string, error) {
	ns, _, _ := profile.SplitObject(secret)
	b, err := client.CoreV1().Secrets(ns).Get(ctx, backup, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("read the backup %s/%s: %w", ns, backup, err)
	}
	chain, err := certs.ParseChain(b.Data[corev1.TLSCertKey], "Secret "+ns+"/"+backup+" tls.crt")
	if err != nil {
		return "", err
	}
	return certs.Fingerprint(chain[0]), nil
}

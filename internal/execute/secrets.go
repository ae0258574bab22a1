package execute

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubehop/kubehop/internal/certs"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
)

// BackupLabel marks the Secrets kubehop keeps as backups, with the name of
// the Secret each backs up.
const BackupLabel = "kubehop.dev/backup-of"

// BackupObject is the journal's record of a Secret's backup.
func BackupObject(secret string) string { return "backup " + secret }

// BackupRecord names the backup of a Secret.
type BackupRecord struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// backupSecret copies a Secret to <name>-backup-<date>, labelled with
// BackupLabel, the dated copy the runbooks keep beside the new one.
func (env *Env) backupSecret(ctx context.Context, st plan.Step) error {
	_, ns, name := cutObject(st.Object)
	sec, err := env.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read %s: %w", st.Object, err)
	}
	backup := fmt.Sprintf("%s-backup-%s", name, time.Now().UTC().Format("20060102-150405"))
	if err := env.record(st.ID, BackupObject(st.Object), BackupRecord{Namespace: ns, Name: backup}); err != nil {
		return err
	}
	var rec BackupRecord
	if _, err := env.original(BackupObject(st.Object), &rec); err != nil {
		return err
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: "Secret " + ns + "/" + rec.Name, Message: "back up " + st.Object}); err != nil {
		return err
	}
	copy := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: rec.Name, Namespace: ns, Labels: map[string]string{BackupLabel: name},
			Annotations: map[string]string{"kubehop.dev/step": st.ID}},
		Type: sec.Type, Data: maps.Clone(sec.Data),
	}
	if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, copy, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("back up %s as %s: %w", st.Object, rec.Name, err)
	}
	env.note(st.ID, st.Object, "backed up as "+rec.Name, rec)
	return nil
}

// updateSecret sets a Secret's keys from files, or back to its backup.
func (env *Env) updateSecret(ctx context.Context, st plan.Step) error {
	_, ns, name := cutObject(st.Object)
	secrets := env.Client.CoreV1().Secrets(ns)
	data := map[string][]byte{}
	from := ""
	if st.Action.Restore {
		backup := st.Action.Backup
		if backup == "" {
			var rec BackupRecord
			ok, err := env.original(BackupObject(st.Object), &rec)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("step %s: no backup of %s is recorded", st.ID, st.Object)
			}
			backup = rec.Name
		}
		b, err := secrets.Get(ctx, backup, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("read the backup %s/%s: %w", ns, backup, err)
		}
		data, from = b.Data, "backup "+backup
	} else {
		keys := slices.Sorted(maps.Keys(st.Action.Files))
		for _, k := range keys {
			v, err := os.ReadFile(st.Action.Files[k])
			if err != nil {
				return fmt.Errorf("%s key %s: %w", st.Object, k, err)
			}
			data[k] = v
		}
		from = "files " + strings.Join(slices.Collect(maps.Values(st.Action.Files)), ", ")
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object,
		Message: fmt.Sprintf("set keys %s from %s", strings.Join(slices.Sorted(maps.Keys(data)), ", "), from)}); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		sec, err := secrets.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, fmt.Errorf("read %s: %w", st.Object, err)
		}
		if sec.Data == nil {
			sec.Data = map[string][]byte{}
		}
		maps.Copy(sec.Data, data)
		if _, err := secrets.Update(ctx, sec, metav1.UpdateOptions{}); apierrors.IsConflict(err) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("update %s: %w", st.Object, err)
		}
		return true, nil
	})
}

// servedCertificate waits until an endpoint serves the certificate with
// the step's fingerprint: a server that reloads its Secret takes a moment.
func (env *Env) servedCertificate(ctx context.Context, st plan.Step) error {
	a := st.Action
	var last string
	err := wait.PollUntilContextTimeout(ctx, time.Second, actionTimeout(st), true, func(ctx context.Context) (bool, error) {
		chain, err := certs.Served(ctx, a.Address, a.ServerName, nil)
		if len(chain) == 0 {
			last = fmt.Sprintf("no certificate: %v", err)
			return false, nil
		}
		got := certs.Fingerprint(chain[0])
		if got != a.Fingerprint {
			last = fmt.Sprintf("it serves %s (%s)", chain[0].Subject.CommonName, got)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("%s (%s) does not serve the certificate %s: %s", a.Address, a.ServerName, a.Fingerprint, last)
	}
	env.note(st.ID, a.Address, "serves "+a.Fingerprint, nil)
	return nil
}

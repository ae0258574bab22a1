package journal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// MirrorKey is the ConfigMap key that holds the journal's lines.
const MirrorKey = "journal.jsonl"

// ConfigMapMirror keeps a copy of the journal in a ConfigMap of the cluster
// being upgraded, so that another machine can resume a run whose own disk
// is lost. The local file stays the record: the copy is written after it.
type ConfigMapMirror struct {
	Client          kubernetes.Interface
	Namespace, Name string
}

// Replace sets the ConfigMap's copy to data, creating it if needed.
func (m *ConfigMapMirror) Replace(ctx context.Context, data []byte) error {
	return m.update(ctx, func(string) string { return string(data) })
}

// Append adds one journal line to the ConfigMap, creating it if needed.
func (m *ConfigMapMirror) Append(ctx context.Context, line []byte) error {
	return m.update(ctx, func(old string) string { return old + string(line) })
}

func (m *ConfigMapMirror) update(ctx context.Context, change func(string) string) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm, err := m.Client.CoreV1().ConfigMaps(m.Namespace).Get(ctx, m.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			cm = &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Namespace: m.Namespace, Name: m.Name, Labels: map[string]string{"app.kubernetes.io/managed-by": "kubehop"}},
				Data:       map[string]string{MirrorKey: change("")},
			}
			_, err = m.Client.CoreV1().ConfigMaps(m.Namespace).Create(ctx, cm, metav1.CreateOptions{})
			return err
		}
		if err != nil {
			return err
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[MirrorKey] = change(cm.Data[MirrorKey])
		_, err = m.Client.CoreV1().ConfigMaps(m.Namespace).Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("copy the journal to ConfigMap %s/%s: %w", m.Namespace, m.Name, err)
	}
	return nil
}

// Restore writes the ConfigMap's copy to path, which must not hold a
// journal already.
func (m *ConfigMapMirror) Restore(ctx context.Context, path string) error {
	if info, err := os.Stat(path); err == nil && info.Size() > 0 {
		return fmt.Errorf("%s already holds a journal; move it away to restore the cluster's copy", path)
	}
	cm, err := m.Client.CoreV1().ConfigMaps(m.Namespace).Get(ctx, m.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read the journal's copy in ConfigMap %s/%s: %w", m.Namespace, m.Name, err)
	}
	data := []byte(cm.Data[MirrorKey])
	if _, _, err := read(path, bytes.NewReader(data)); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// mirrorTimeout bounds one copy to the cluster.
const mirrorTimeout = 30 * time.Second

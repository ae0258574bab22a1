package appcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	cliplan "github.com/kubehop/kubehop/internal/cli/plan"
	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/profile"
)

// NewApproveCommand returns kubehop approve.
func NewApproveCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	var profilePath, step string
	cmd := &cobra.Command{
		Use:   "approve --step STEP",
		Short: "Let a run waiting at a manual gate go on",
		Long: `Record a person's approval of a plan's manual gate (a step that waits for a
person, such as "log in to the UI and check the About page"). The approval
is kept in ConfigMap kube-system/kubehop-approvals-<cluster>, so it can be
given from any machine that reaches the cluster; the waiting run journals
who approved and when.`,
		Example: `  kubehop approve -p kubehop.yaml --step check-ui`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if step == "" {
				return exitcode.Invalid(errors.New("--step is required: the ID of the step waiting for approval"))
			}
			prof, err := profile.Load(profilePath)
			if err != nil {
				return exitcode.Invalid(err)
			}
			_, client, err := cliplan.Connect(cmd.Context(), global, prof)
			if err != nil {
				return err
			}
			by := fmt.Sprintf("%s at %s", whoami(), time.Now().UTC().Format(time.RFC3339))
			if err := Approve(cmd.Context(), client.CoreV1(), prof.Cluster.Name, step, by); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, "Approved step %s of cluster %s (%s).\n", step, prof.Cluster.Name, by)
			return nil
		},
	}
	cmd.Flags().StringVarP(&profilePath, "profile", "p", "kubehop.yaml", "profile file")
	cmd.Flags().StringVar(&step, "step", "", "the step to approve")
	return cmd
}

// Approve records an approval of step in the cluster's approvals
// ConfigMap, creating it when needed.
func Approve(ctx context.Context, core typedcorev1.ConfigMapsGetter, cluster, step, by string) error {
	cms := core.ConfigMaps(metav1.NamespaceSystem)
	name := execute.ApprovalsConfigMap(cluster)
	for range 5 {
		cm, err := cms.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceSystem}, Data: map[string]string{execute.ApprovalKey(step): by}}
			if _, err = cms.Create(ctx, cm, metav1.CreateOptions{}); err == nil || !apierrors.IsAlreadyExists(err) {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[execute.ApprovalKey(step)] = by
		if _, err = cms.Update(ctx, cm, metav1.UpdateOptions{}); err == nil || !apierrors.IsConflict(err) {
			return err
		}
	}
	return fmt.Errorf("record the approval in ConfigMap kube-system/%s: it kept changing", name)
}

func whoami() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if h, err := os.Hostname(); err == nil {
		return "someone on " + h
	}
	return "someone"
}

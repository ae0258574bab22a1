package drain

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// PodRef names a pod and says why it is where it is.
type PodRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Reason    string `json:"reason,omitempty"`
	// Budget names the PodDisruptionBudget that holds a blocked pod back,
	// when the API server said which.
	Budget string `json:"budget,omitempty"`
}

func (p PodRef) String() string { return p.Namespace + "/" + p.Name }

// Result is what one pass over a node did and found.
type Result struct {
	Node string `json:"node"`
	// Evicted were evicted by this pass.
	Evicted []PodRef `json:"evicted,omitempty"`
	// Terminating are on their way out.
	Terminating []PodRef `json:"terminating,omitempty"`
	// Blocked were refused by the API server because a disruption budget
	// allows no eviction now; Reason names the budget.
	Blocked []PodRef `json:"blocked,omitempty"`
	// Refused must not be evicted with the drain's options.
	Refused []PodRef `json:"refused,omitempty"`
	// Skipped stay: DaemonSet and mirror pods, finished pods.
	Skipped []PodRef `json:"skipped,omitempty"`
}

// Done reports whether the node holds no pod the drain must still move.
func (r *Result) Done() bool {
	return len(r.Evicted) == 0 && len(r.Terminating) == 0 && len(r.Blocked) == 0 && len(r.Refused) == 0
}

// Summary says in one line what keeps the node from being drained.
func (r *Result) Summary() string {
	var parts []string
	if len(r.Blocked) > 0 {
		var b []string
		for _, p := range r.Blocked {
			b = append(b, p.String()+" ("+p.Reason+")")
		}
		parts = append(parts, "blocked by disruption budgets: "+strings.Join(b, ", "))
	}
	if len(r.Refused) > 0 {
		var b []string
		for _, p := range r.Refused {
			b = append(b, p.String()+" ("+p.Reason+")")
		}
		parts = append(parts, "refused: "+strings.Join(b, ", "))
	}
	if n := len(r.Evicted) + len(r.Terminating); n > 0 {
		parts = append(parts, fmt.Sprintf("%d pod(s) terminating", n))
	}
	if len(parts) == 0 {
		return "drained"
	}
	return strings.Join(parts, "; ")
}

// Cordon marks a node unschedulable and returns whether it already was,
// so the caller can record the original state before changing it.
func Cordon(ctx context.Context, client kubernetes.Interface, node string) (wasCordoned bool, err error) {
	return setUnschedulable(ctx, client, node, true)
}

// Uncordon marks a node schedulable again.
func Uncordon(ctx context.Context, client kubernetes.Interface, node string) error {
	_, err := setUnschedulable(ctx, client, node, false)
	return err
}

func setUnschedulable(ctx context.Context, client kubernetes.Interface, node string, value bool) (bool, error) {
	n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("get node %s: %w", node, err)
	}
	was := n.Spec.Unschedulable
	if was == value {
		return was, nil
	}
	patch := fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, value)
	if _, err := client.CoreV1().Nodes().Patch(ctx, node, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		verb := "cordon"
		if !value {
			verb = "uncordon"
		}
		return was, fmt.Errorf("%s node %s: %w", verb, node, err)
	}
	return was, nil
}

// Pass makes one bounded eviction pass over the pods of a node: every pod
// the filters let go and that is not already terminating is evicted once.
// It never waits; call it again until the Result is Done.
func Pass(ctx context.Context, client kubernetes.Interface, node string, opts Options) (*Result, error) {
	pods, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()})
	if err != nil {
		return nil, fmt.Errorf("list pods on node %s: %w", node, err)
	}
	slices.SortFunc(pods.Items, func(a, b corev1.Pod) int { return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name) })
	r := &Result{Node: node}
	filters := Filters(opts)
	for i := range pods.Items {
		pod := &pods.Items[i]
		ref := PodRef{Namespace: pod.Namespace, Name: pod.Name}
		verdict, why := Decide(filters, pod)
		switch {
		case verdict == Skip:
			ref.Reason = why
			r.Skipped = append(r.Skipped, ref)
			continue
		case verdict == Refuse:
			ref.Reason = why
			r.Refused = append(r.Refused, ref)
			continue
		case pod.DeletionTimestamp != nil:
			r.Terminating = append(r.Terminating, ref)
			continue
		}
		err := evict(ctx, client, pod, opts)
		switch {
		case err == nil:
			r.Evicted = append(r.Evicted, ref)
		case apierrors.IsNotFound(err):
			// Gone already.
		case apierrors.IsTooManyRequests(err):
			ref.Budget, ref.Reason = blockingBudget(err)
			r.Blocked = append(r.Blocked, ref)
		default:
			return r, fmt.Errorf("evict pod %s from node %s: %w", ref, node, err)
		}
	}
	return r, nil
}

func evict(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, opts Options) error {
	return EvictPod(ctx, client, pod.Namespace, pod.Name, opts)
}

// EvictPod asks the API server to evict one pod, which it refuses with 429
// Too Many Requests while a disruption budget allows no disruption: see
// Blocked.
func EvictPod(ctx context.Context, client kubernetes.Interface, namespace, name string, opts Options) error {
	eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: opts.GracePeriodSeconds}}
	if opts.DryRun {
		eviction.DeleteOptions.DryRun = []string{metav1.DryRunAll}
	}
	return client.PolicyV1().Evictions(namespace).Evict(ctx, eviction)
}

// Blocked says whether an eviction was refused by a disruption budget,
// and which.
func Blocked(err error) (budget string, blocked bool) {
	if !apierrors.IsTooManyRequests(err) {
		return "", false
	}
	_, reason := blockingBudget(err)
	return reason, true
}

// budgetName finds the budget in the API server's cause, such as "The
// disruption budget telegraf-prom needs 1 healthy pods and has 1 currently".
var budgetName = regexp.MustCompile(`disruption budget (\S+) needs (\d+) healthy pods and has (\d+) currently`)

// blockingBudget says which budget refused an eviction: its name (empty
// when the API server did not say) and the reason in words.
func blockingBudget(err error) (name, reason string) {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if d := status.Status().Details; d != nil {
			for _, c := range d.Causes {
				if m := budgetName.FindStringSubmatch(c.Message); m != nil {
					return m[1], fmt.Sprintf("PodDisruptionBudget %s needs %s healthy pods and has %s", m[1], m[2], m[3])
				}
			}
		}
	}
	return "", strings.TrimSpace(err.Error())
}

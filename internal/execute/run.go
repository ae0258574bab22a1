package execute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/drain"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/manifest"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/provider"
)

// Env is what steps act through.
type Env struct {
	Client   kubernetes.Interface
	Provider provider.Provider
	Journal  *journal.Journal
	// PoolLabel is the node label naming pools; the well-known labels when
	// empty.
	PoolLabel    string
	Drain        drain.Options
	DrainTimeout time.Duration
	// Parallelism bounds the steps running at once (default 2).
	Parallelism int
	// Progress is told what happens.
	Progress func(Event)
	// Cloud, when set, is the managed service that upgrades the control
	// plane and whole pools itself (EKS, AKS); Provider is then unused.
	// OperationInterval is how often its operations are polled (15 s when
	// zero).
	Cloud             provider.Cloud
	OperationInterval time.Duration
	// Baseline is the snapshot taken before the run, which verification
	// compares the cluster with; Since is when the run began, for Warning
	// events. VerifyTimeout bounds the wait for a healthy cluster (10
	// minutes when zero).
	Baseline      *inventory.Snapshot
	Since         time.Time
	VerifyTimeout time.Duration
	// Terraform runs the steps of a provider: terraform plan.
	Terraform *Terraform
	// Objects reaches objects of any kind (the runbooks' label, patch and
	// delete steps).
	Objects *manifest.Applier
	// Approvals names the ConfigMap in kube-system where kubehop approve
	// records approvals (see ApprovalsConfigMap).
	Approvals string

	mu         sync.Mutex
	operations map[string]provider.Operation
	originals  map[string]json.RawMessage
	// recordedBy maps each object in originals to the step that changed it.
	recordedBy map[string]string
}

// ErrWrongCluster is returned when the kubeconfig points at another
// cluster than the plan's.
var ErrWrongCluster = errors.New("wrong cluster")

// CheckCluster refuses to act unless the cluster's kube-system namespace
// has the UID the plan names.
func CheckCluster(ctx context.Context, client kubernetes.Interface, p *plan.Plan) error {
	var ns *corev1.Namespace
	// The API server may be restarting: a run killed during a control-plane
	// upgrade is resumed while the new one starts.
	err := retryTransient(ctx, 3*time.Minute, func(string, ...any) {}, func() error {
		var err error
		ns, err = client.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("read the cluster's identity (namespace kube-system): %w", err)
	}
	if string(ns.UID) != p.Cluster.UID {
		return fmt.Errorf("%w: the profile is for cluster %s (kube-system uid %s) but the kubeconfig points at a cluster whose kube-system uid is %s; nothing was changed",
			ErrWrongCluster, p.Cluster.Name, p.Cluster.UID, ns.UID)
	}
	return nil
}

// Run executes the plan's steps that state does not list as done. It
// returns when all are done, or when a step fails or ctx ends; then it
// restores what the run changed and has not restored yet (replicas,
// cordons) and returns the error.
func Run(ctx context.Context, env *Env, p *plan.Plan, state *journal.State) error {
	if env.Parallelism <= 0 {
		env.Parallelism = 2
	}
	if env.DrainTimeout <= 0 {
		env.DrainTimeout = 10 * time.Minute
	}
	if env.Progress == nil {
		env.Progress = func(Event) {}
	}
	env.originals, env.recordedBy = map[string]json.RawMessage{}, map[string]string{}
	env.operations = map[string]provider.Operation{}
	for step, data := range state.Operations {
		var op provider.Operation
		if err := json.Unmarshal(data, &op); err != nil {
			return fmt.Errorf("%w: the operation of step %s cannot be read: %v", journal.ErrCorrupt, step, err)
		}
		env.operations[step] = op
	}
	for k, v := range state.Originals {
		env.originals[k] = v
		env.recordedBy[k] = state.OriginalSteps[k]
	}
	done := map[string]bool{}
	for id := range state.Done {
		done[id] = true
	}
	running := map[string]bool{}
	type result struct {
		id  string
		err error
	}
	results := make(chan result)
	var failure error
	for {
		if failure == nil && ctx.Err() == nil {
			for _, st := range p.Steps {
				if len(running) >= env.Parallelism {
					break
				}
				if done[st.ID] || running[st.ID] || !ready(st, done, running) {
					continue
				}
				running[st.ID] = true
				go func() {
					results <- result{st.ID, env.runStep(ctx, st)}
				}()
			}
		}
		if len(running) == 0 {
			break
		}
		r := <-results
		delete(running, r.id)
		if r.err != nil {
			if failure == nil {
				failure = fmt.Errorf("step %s: %w", r.id, r.err)
			}
			continue
		}
		done[r.id] = true
	}
	if failure == nil && ctx.Err() != nil {
		failure = ctx.Err()
	}
	if failure == nil {
		for _, st := range p.Steps {
			if !done[st.ID] {
				failure = fmt.Errorf("step %s cannot start: a step it follows is not done", st.ID)
				break
			}
		}
	}
	if failure != nil {
		if err := env.compensate(context.WithoutCancel(ctx)); err != nil {
			return errors.Join(failure, err)
		}
		return failure
	}
	return nil
}

// ready reports whether every step st follows is done and none it
// excludes is running.
func ready(st plan.Step, done, running map[string]bool) bool {
	for _, a := range st.After {
		if !done[a] {
			return false
		}
	}
	for _, n := range st.NotWith {
		if running[n] {
			return false
		}
	}
	return true
}

// runStep journals a step's beginning and end around its action.
func (env *Env) runStep(ctx context.Context, st plan.Step) error {
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Begin, Step: st.ID, Message: st.Title}); err != nil {
		return err
	}
	env.report(EventStart, st.ID, "", "%s", st.Title)
	start := time.Now()
	// Steps are idempotent, so one that failed on a passing API outage
	// runs again.
	err := retryTransient(ctx, 5*time.Minute, func(format string, args ...any) { env.report(EventRetry, st.ID, "", format, args...) }, func() error { return env.act(ctx, st) })
	if err != nil {
		if _, jerr := env.Journal.Append(journal.Entry{Type: journal.Failed, Step: st.ID, Message: err.Error()}); jerr != nil {
			return errors.Join(err, jerr)
		}
		env.report(EventFailed, st.ID, "", "after %s: %v", time.Since(start).Round(time.Second), err)
		return err
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Done, Step: st.ID}); err != nil {
		return err
	}
	env.report(EventDone, st.ID, "", "in %s", time.Since(start).Round(time.Second))
	return nil
}

func (env *Env) act(ctx context.Context, st plan.Step) error {
	switch st.Kind {
	case plan.KindControlPlane:
		if env.Cloud != nil {
			return env.cloudOperation(ctx, st, "upgrade the control plane to "+st.Version, func() (provider.Operation, error) {
				return env.Cloud.StartControlPlaneUpgrade(ctx, cloudVersion(st))
			})
		}
		if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Message: "upgrade the control plane to " + st.Version}); err != nil {
			return err
		}
		return env.Provider.UpgradeControlPlane(ctx, st.Version)
	case plan.KindPoolManaged:
		if env.Cloud == nil {
			return fmt.Errorf("step %s needs a cloud provider", st.ID)
		}
		if err := env.waitGates(ctx, st); err != nil {
			return err
		}
		opts := provider.PoolUpgrade{MaxSurge: st.MaxSurge, MaxUnavailable: st.MaxUnavailable, DrainTimeout: env.DrainTimeout}
		return env.cloudOperation(ctx, st, fmt.Sprintf("upgrade pool %s to %s", st.Pool, st.Version), func() (provider.Operation, error) {
			return env.Cloud.StartPoolUpgrade(ctx, st.Pool, cloudVersion(st), opts)
		})
	case plan.KindScaleDown:
		return env.scaleDown(ctx, st)
	case plan.KindScaleRestore:
		return env.scaleRestore(ctx, st.ID, st.Object)
	case plan.KindPoolSurge, plan.KindPoolInPlace, plan.KindPoolBlueGreen:
		if err := env.waitGates(ctx, st); err != nil {
			return err
		}
		return env.upgradePool(ctx, st)
	case plan.KindVerify:
		return env.verify(ctx, st)
	case plan.KindTFIgnore, plan.KindTFBump, plan.KindTFPlan, plan.KindTFGuard, plan.KindTFApply:
		return env.terraformStep(ctx, st)
	case plan.KindTempPoolCreate, plan.KindPoolRetire, plan.KindPoolReturn, plan.KindTempPoolRemove:
		return env.dockershimStep(ctx, st)
	case plan.KindScale, plan.KindScaleBack, plan.KindJobFromCronJob, plan.KindSetImage, plan.KindRolloutRestart,
		plan.KindWaitReady, plan.KindWaitLog, plan.KindExec, plan.KindApprove,
		plan.KindSecretBackup, plan.KindSecretUpdate, plan.KindServedCertificate,
		plan.KindLabel, plan.KindPatch, plan.KindDelete, plan.KindPodsMatch:
		return env.runAction(ctx, st)
	}
	return fmt.Errorf("unknown step kind %q", st.Kind)
}

// cloudVersion is what a cloud operation moves to: the platform release
// where the plan names one (bmctl's Anthos release), else the Kubernetes
// version.
func cloudVersion(st plan.Step) string {
	if st.Release != "" {
		return st.Release
	}
	return st.Version
}

// record journals an object's original state, once: a step run again after
// a crash sees its own change and must not record that.
func (env *Env) record(step, object string, original any) error {
	env.mu.Lock()
	_, ok := env.originals[object]
	env.mu.Unlock()
	if ok {
		return nil
	}
	data, err := json.Marshal(original)
	if err != nil {
		return err
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Original, Step: step, Object: object, Data: data}); err != nil {
		return err
	}
	env.mu.Lock()
	env.originals[object] = data
	env.recordedBy[object] = step
	env.mu.Unlock()
	return nil
}

// changedBy lists the objects of a kind ("node") that step changed and
// that are not restored yet.
func (env *Env) changedBy(step, kind string) []string {
	env.mu.Lock()
	defer env.mu.Unlock()
	var out []string
	for o, s := range env.recordedBy {
		if k, _, _ := cutObject(o); s == step && k == kind {
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

// original returns an object's recorded original state.
func (env *Env) original(object string, into any) (bool, error) {
	env.mu.Lock()
	data, ok := env.originals[object]
	env.mu.Unlock()
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(data, into)
}

// restored journals that an object is back at its original state.
func (env *Env) restored(step, object, how string) error {
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Restored, Step: step, Object: object, Message: how}); err != nil {
		return err
	}
	env.mu.Lock()
	delete(env.originals, object)
	delete(env.recordedBy, object)
	env.mu.Unlock()
	return nil
}

// compensate restores every object the run changed and has not restored:
// scaled-down workloads get their replicas back, cordoned nodes that still
// exist are uncordoned.
func (env *Env) compensate(ctx context.Context) error {
	env.mu.Lock()
	var objects []string
	for o := range env.originals {
		objects = append(objects, o)
	}
	env.mu.Unlock()
	slices.Sort(objects)
	var errs []error
	for _, o := range objects {
		kind, _, _ := cutObject(o)
		switch kind {
		case "node":
			if err := env.restoreNode(ctx, journal.Compensate, o); err != nil {
				errs = append(errs, err)
			}
		case "Deployment", "StatefulSet":
			if err := env.scaleRestore(ctx, journal.Compensate, o); err != nil {
				errs = append(errs, err)
			}
		case "pool", "scaling":
			// A pool's size is bookkeeping, and a retired node group comes
			// back in its own step: its pods live in the temporary one.
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("restore after stopping early: %w", errors.Join(errs...))
	}
	if len(objects) > 0 {
		env.report(EventRestored, "", "", "%d object(s) the run had changed; kubehop resume continues the plan", len(objects))
	}
	return nil
}

// restoreNode uncordons a node that was schedulable before the run, if it
// still exists.
func (env *Env) restoreNode(ctx context.Context, step, object string) error {
	_, _, name := cutObject(object)
	var orig struct {
		Unschedulable bool `json:"unschedulable"`
	}
	if _, err := env.original(object, &orig); err != nil {
		return err
	}
	n, err := env.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	switch {
	case err != nil && isNotFound(err):
		return env.restored(step, object, "the node is gone")
	case err != nil:
		return err
	}
	if n.Spec.Unschedulable && !orig.Unschedulable {
		if err := drain.Uncordon(ctx, env.Client, name); err != nil {
			return err
		}
	}
	return env.restored(step, object, "schedulable as before")
}

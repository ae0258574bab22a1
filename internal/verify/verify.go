package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubehop/kubehop/internal/inventory"
)

// Options say what the cluster must look like.
type Options struct {
	// Target is the minor every node must run, such as "1.37"; empty
	// skips the version check.
	Target string
	// Baseline is the snapshot taken before the upgrade; nil skips the
	// comparison.
	Baseline *inventory.Snapshot
	// Since is when the upgrade began, for Warning events; the baseline's
	// time when zero.
	Since time.Time
	// PoolLabel is the node label naming pools (the well-known ones when
	// empty).
	PoolLabel string
}

// Check verifies a snapshot of the cluster as it is now. It reads
// nothing: Run reads the cluster and the events.
func Check(now *inventory.Snapshot, opts Options) (*Result, error) {
	r := &Result{Time: now.TakenAt, Target: opts.Target, Problems: []Problem{}}
	if opts.Target != "" {
		want, err := version.ParseGeneric(opts.Target)
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", opts.Target, err)
		}
		r.checkNodes(now, opts.Baseline, want)
	} else {
		r.checkNodes(now, opts.Baseline, nil)
	}
	r.checkPods(now)
	r.checkWorkloads(now)
	r.checkPDBs(now)
	if b := opts.Baseline; b != nil {
		t := b.TakenAt
		r.Baseline = &t
		r.diff(b, now)
	}
	r.checkPlacement(now)
	r.sort()
	return r, nil
}

func (r *Result) add(check string, sev Severity, object, format string, args ...any) *Problem {
	r.Problems = append(r.Problems, Problem{Check: check, Severity: sev, Object: object, Reason: fmt.Sprintf(format, args...)})
	return &r.Problems[len(r.Problems)-1]
}

func (r *Result) sort() {
	slices.SortStableFunc(r.Problems, func(a, b Problem) int {
		if a.Severity != b.Severity {
			return strings.Compare(string(a.Severity), string(b.Severity)) // error before info
		}
		return strings.Compare(a.Object+a.Check, b.Object+b.Check)
	})
}

func (r *Result) checkNodes(now, before *inventory.Snapshot, want *version.Version) {
	wasCordoned := map[string]bool{}
	if before != nil {
		for _, n := range before.Nodes {
			wasCordoned[n.Name] = n.Unschedulable
		}
	}
	for _, n := range now.Nodes {
		r.Checked.Nodes++
		object := "Node " + n.Name
		if !n.Ready {
			r.add("node-ready", Error, object, "not Ready: %s", readyCondition(n))
		}
		if want != nil {
			kv, err := version.ParseGeneric(n.KubeletVersion)
			if err != nil || kv.Major() != want.Major() || kv.Minor() != want.Minor() {
				r.add("node-version", Error, object, "kubelet %s, want %d.%d", n.KubeletVersion, want.Major(), want.Minor())
			}
		}
		if n.Unschedulable {
			if wasCordoned[n.Name] {
				r.add("node-cordoned", Info, object, "cordoned, as it was before the upgrade")
			} else {
				r.add("node-cordoned", Error, object, "cordoned: it takes no new pods")
			}
		}
	}
}

func readyCondition(n inventory.Node) string {
	for _, c := range n.Conditions {
		if c.Type == "Ready" {
			return strings.TrimSpace(fmt.Sprintf("Ready=%s %s %s", c.Status, c.Reason, c.Message))
		}
	}
	return "the node reports no Ready condition"
}

// checkPods wants every pod Running and Ready, but for pods of Jobs (done
// or still running) and pods that finished.
func (r *Result) checkPods(now *inventory.Snapshot) {
	for _, p := range now.Pods {
		if p.Phase == "Succeeded" || p.Owner != nil && p.Owner.Kind == "Job" {
			r.Checked.Skipped++
			continue
		}
		r.Checked.Pods++
		if p.Phase == "Running" && p.Ready && !p.Deleting {
			continue
		}
		object := "Pod " + p.Namespace + "/" + p.Name
		var why string
		switch {
		case p.Deleting:
			why = "terminating"
		case p.Waiting != "":
			why = fmt.Sprintf("%s, container waiting: %s (%d restarts)", p.Phase, p.Waiting, p.Restarts)
		case p.Unschedulable != "":
			why = "cannot be scheduled: " + p.Unschedulable
		case p.Phase == "Pending" && p.Node == "":
			why = "Pending, not scheduled yet"
		case p.Phase == "Running":
			why = "Running but not Ready"
		default:
			why = p.Phase
		}
		if owner := now.TopOwner(p); owner != "" {
			why += " (" + owner + ")"
		}
		pr := r.add("pod-ready", Error, object, "%s", why)
		pr.Pod, pr.Node = p.Namespace+"/"+p.Name, p.Node
	}
}

// checkWorkloads wants every Deployment, StatefulSet and DaemonSet
// observed by its controller with all replicas updated, ready and
// available: a workload whose pods were never created fails here even
// though no pod looks wrong.
func (r *Result) checkWorkloads(now *inventory.Snapshot) {
	for _, w := range now.Workloads {
		switch w.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
		default:
			continue
		}
		r.Checked.Workloads++
		object := w.Kind + " " + w.Namespace + "/" + w.Name
		if w.ObservedGen < w.Generation {
			r.add("workload-rollout", Error, object, "its controller has not yet acted on generation %d (observed %d)", w.Generation, w.ObservedGen)
			continue
		}
		available := w.AvailableReplicas
		if w.Kind == "StatefulSet" {
			available = w.ReadyReplicas // a StatefulSet's availability is its readiness unless minReadySeconds
		}
		if w.UpdatedReplicas < w.Replicas || w.ReadyReplicas < w.Replicas || available < w.Replicas {
			r.add("workload-rollout", Error, object, "%d desired, %d updated, %d ready, %d available", w.Replicas, w.UpdatedReplicas, w.ReadyReplicas, available)
		}
	}
}

func (r *Result) checkPDBs(now *inventory.Snapshot) {
	for _, b := range now.PDBs {
		r.Checked.PDBs++
		if b.CurrentHealthy < b.DesiredHealthy {
			r.add("pdb-healthy", Error, "PodDisruptionBudget "+b.Namespace+"/"+b.Name, "%d of %d pods healthy, the budget needs %d", b.CurrentHealthy, b.ExpectedPods, b.DesiredHealthy)
		}
	}
}

// Run reads the cluster and verifies it, with the Warning events since
// the upgrade began. It returns the snapshot it read too.
func Run(ctx context.Context, clients inventory.Clients, opts Options) (*Result, *inventory.Snapshot, error) {
	r, now, err := read(ctx, clients, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := addEvents(ctx, clients, opts, r); err != nil {
		return nil, nil, err
	}
	return r, now, nil
}

// read reads the cluster and verifies it, without the events.
func read(ctx context.Context, clients inventory.Clients, opts Options) (*Result, *inventory.Snapshot, error) {
	now, err := inventory.Read(ctx, clients, inventory.Options{PoolLabel: opts.PoolLabel, CoreOnly: true})
	if err != nil {
		return nil, nil, err
	}
	r, err := Check(now, opts)
	if err != nil {
		return nil, nil, err
	}
	return r, now, nil
}

// addEvents summarises the Warning events since the upgrade began (the
// baseline's time unless opts say otherwise) into r.
func addEvents(ctx context.Context, clients inventory.Clients, opts Options, r *Result) error {
	since := opts.Since
	if since.IsZero() && opts.Baseline != nil {
		since = opts.Baseline.TakenAt
	}
	if since.IsZero() {
		return nil
	}
	var err error
	r.Events, err = Events(ctx, clients.Kube, since)
	return err
}

// Wait verifies the cluster until it passes, or settled says waiting
// longer is pointless (nil: only a pass ends the wait), or timeout ends,
// telling progress about each reading, and returns the last one. Errors
// reading the cluster are retried: the API server may be restarting.
func Wait(ctx context.Context, clients inventory.Clients, opts Options, timeout, interval time.Duration, settled func(*Result) bool, progress func(*Result)) (*Result, error) {
	var last *Result
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, interval, timeout, true, func(ctx context.Context) (bool, error) {
		r, _, err := read(ctx, clients, opts)
		if err != nil {
			lastErr = err
			return false, nil
		}
		last = r
		if progress != nil {
			progress(r)
		}
		return r.OK() || settled != nil && settled(r), nil
	})
	if last == nil {
		if lastErr == nil {
			lastErr = err
		}
		return nil, fmt.Errorf("verify: %w", lastErr)
	}
	// The events are summarised once, for the reading that is kept.
	if err := addEvents(ctx, clients, opts, last); err != nil {
		return nil, err
	}
	return last, nil
}

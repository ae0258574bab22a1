package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

// APIVersion identifies the plan format.
const APIVersion = "kubehop.dev/plan/v1"

// Step kinds: what the executor does.
const (
	KindControlPlane  = "control-plane"
	KindPoolSurge     = "pool-surge"
	KindPoolInPlace   = "pool-inplace"
	KindPoolBlueGreen = "pool-bluegreen"
	// KindPoolManaged is a pool a managed service (EKS, AKS, GKE) upgrades
	// itself, with its own surge and drains; kubehop starts the operation,
	// journals it and waits.
	KindPoolManaged  = "pool-managed"
	KindScaleDown    = "scale-down"
	KindScaleRestore = "scale-restore"
	KindVerify       = "verify"
)

// Plan is an upgrade plan.
type Plan struct {
	APIVersion string          `json:"apiVersion"`
	Cluster    profile.Cluster `json:"cluster"`
	Provider   string          `json:"provider"`
	From       string          `json:"from"`
	Target     string          `json:"target"`
	Hops       []string        `json:"hops"`
	Steps      []Step          `json:"steps"`
	// Estimate is the critical path's length; CriticalPath its steps.
	Estimate     Duration `json:"estimate"`
	CriticalPath []string `json:"criticalPath"`
	// LowerBound, when asked for with the cluster's timing, is the
	// shortest time the node pools can take (see LowerBound).
	LowerBound *Bound `json:"lowerBound,omitempty"`
}

// Step is one unit of work. Steps are idempotent: running one again after
// a crash finishes what it started.
type Step struct {
	ID    string `json:"id"`
	Hop   string `json:"hop,omitempty"`
	Phase string `json:"phase"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	// Version is the Kubernetes version the step moves to (a minor such
	// as 1.37).
	Version string `json:"version,omitempty"`
	// Release is the platform release that brings Version, where the
	// platform's tool takes that instead (Anthos on bare metal: 1.16.0).
	Release string `json:"release,omitempty"`
	// Pool, with its strategy's limits and gates, for pool steps.
	Pool           string         `json:"pool,omitempty"`
	MaxSurge       int            `json:"maxSurge,omitempty"`
	MaxUnavailable int            `json:"maxUnavailable,omitempty"`
	Nodes          []string       `json:"nodes,omitempty"`
	WaitFor        []profile.Gate `json:"waitFor,omitempty"`
	// Object is the workload a scale step changes ("Deployment shared/x").
	Object string `json:"object,omitempty"`
	// Terraform is what a Terraform step works on.
	Terraform *TerraformStep `json:"terraform,omitempty"`
	// Temp is the temporary pool of a dockershim migration step.
	Temp *TempPool `json:"temp,omitempty"`
	// Action is what a runbook step does (see KindScale and the others).
	Action *Action `json:"action,omitempty"`
	// After lists the steps that must be done first; NotWith the steps
	// that must not run at the same time.
	After    []string `json:"after,omitempty"`
	NotWith  []string `json:"notWith,omitempty"`
	Estimate Duration `json:"estimate"`
}

// Duration is a time.Duration that prints as "1m30s" in JSON.
type Duration struct{ time.Duration }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	d.Duration = v
	return err
}

// Estimates of how long each kind of work takes, for the plan's estimate.
var (
	controlPlaneEstimate = 10 * time.Minute
	perNodeEstimate      = 5 * time.Minute
	scaleEstimate        = time.Minute
	verifyEstimate       = 2 * time.Minute
)

// Build makes the plan for taking the snapshot's cluster to the profile's
// target.
func Build(p *profile.Profile, s *inventory.Snapshot) (*Plan, error) {
	if p.Provider == "terraform" {
		return buildTerraform(p, s)
	}
	current, err := version.ParseGeneric(s.Cluster.Version)
	if err != nil {
		return nil, fmt.Errorf("cluster version %q: %w", s.Cluster.Version, err)
	}
	target, err := check.DefaultPolicy().ParseMinor(p.Target)
	if err != nil {
		return nil, err
	}
	hops, err := check.PlanHops(current, target)
	if err != nil {
		return nil, err
	}
	pl := &Plan{APIVersion: APIVersion, Cluster: p.Cluster, Provider: p.Provider, From: s.Cluster.Version, Target: p.Target}
	nodes := poolNodes(s, p.PoolLabel)
	for _, pool := range p.Pools {
		if len(nodes[pool.Name]) == 0 {
			return nil, fmt.Errorf("%s: pool %q has no nodes in the cluster (pools found: %s)", p.File(), pool.Name, strings.Join(sortedKeys(nodes), ", "))
		}
	}
	for name := range nodes {
		if _, ok := p.Pool(name); !ok && name != "" {
			return nil, fmt.Errorf("%s: the cluster's pool %q is not in the profile: every pool must be listed, or its nodes would stay behind", p.File(), name)
		}
	}

	// Drain blockers are relaxed before the first pool moves and restored
	// after the last: the runbooks' telegraf-prom scale to 0 and back.
	var relax, restore []Step
	for _, b := range check.BlockingPDBs(s) {
		for _, w := range b.Workloads {
			if !strings.HasPrefix(w, "Deployment ") && !strings.HasPrefix(w, "StatefulSet ") {
				continue
			}
			key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(w)), " ", "/")
			relax = append(relax, Step{ID: "relax/" + key, Phase: "relax", Kind: KindScaleDown, Object: w,
				Title: fmt.Sprintf("Scale %s to 0: PodDisruptionBudget %s/%s (%s) blocks every drain", w, b.Namespace, b.Name, b.Rule), Estimate: Duration{scaleEstimate}})
			restore = append(restore, Step{ID: "restore/" + key, Phase: "restore", Kind: KindScaleRestore, Object: w,
				Title: fmt.Sprintf("Scale %s back to its recorded replicas", w), Estimate: Duration{scaleEstimate}})
		}
	}
	pl.Steps = append(pl.Steps, relax...)
	var relaxIDs, lastPools []string
	for _, r := range relax {
		relaxIDs = append(relaxIDs, r.ID)
	}

	if p.Provider == "anthos-bm" && len(hops) > 1 {
		return nil, fmt.Errorf("%s: bmctl upgrades one Anthos release, one Kubernetes minor, at a time: %s is %d minors from %s; set target to the next minor and anthosBM.version to its release",
			p.File(), p.Target, len(hops), s.Cluster.Version)
	}
	prev := relaxIDs
	docker := dockerPools(p, s, nodes)
	for i, h := range hops {
		hop := h.String()
		pl.Hops = append(pl.Hops, hop)
		to := fmt.Sprintf("%d.%d", h.To.Major(), h.To.Minor())
		hid := fmt.Sprintf("hop%d", i+1)
		cp := Step{ID: hid + "/control-plane", Hop: hop, Phase: "control-plane", Kind: KindControlPlane, Version: to,
			Title: fmt.Sprintf("Upgrade the control plane to %s (the nodes stay; kubelets may lag)", to), After: slices.Clone(prev), Estimate: Duration{controlPlaneEstimate}}
		if i == 0 {
			cp.After = nil // blockers are relaxed only before nodes move
		}
		mig, err := dockershimSteps(p, hid, hop, h.To, docker, relaxIDs, cp.After)
		if err != nil {
			return nil, err
		}
		if mig != nil {
			docker = nil // migrated in this hop
			pl.Steps = append(pl.Steps, mig.before...)
			cp.After = ids(mig.before, KindPoolRetire)
		}
		if p.Provider == "anthos-bm" {
			cp.Release = p.AnthosBM.Version
			cp.Title = fmt.Sprintf("Upgrade the cluster to Anthos %s (Kubernetes %s) with bmctl upgrade cluster: the control plane, then its node pools", cp.Release, to)
		}
		pl.Steps = append(pl.Steps, cp)
		var pools []string
		for _, pool := range p.Pools {
			st := poolStep(p, hid, hop, to, pool, nodes[pool.Name])
			if i > 0 {
				// The first hop replaces or renames nodes: later hops move
				// whatever nodes the pool has then.
				st.Nodes = nil
			}
			st.After = append([]string{cp.ID}, relaxIDs...)
			for _, a := range pool.After {
				st.After = append(st.After, hid+"/pool/"+a)
			}
			for _, n := range pool.NotConcurrentWith {
				st.NotWith = append(st.NotWith, hid+"/pool/"+n)
			}
			pools = append(pools, st.ID)
			pl.Steps = append(pl.Steps, st)
		}
		if mig != nil {
			// The hop ends when the temporary pools are gone.
			pl.Steps = append(pl.Steps, mig.after...)
			pools = append(slices.DeleteFunc(pools, func(id string) bool {
				return slices.ContainsFunc(mig.after, func(st Step) bool { return slices.Contains(st.After, id) })
			}), ids(mig.after, KindTempPoolRemove)...)
		}
		prev, lastPools = pools, pools
	}
	// The control plane may already be at the target while nodes lag (it
	// was upgraded alone, as the AKS runbook does first): the pools still
	// move.
	if len(hops) == 0 && nodesBehind(s, p.PoolLabel, target) {
		var pools []string
		for _, pool := range p.Pools {
			st := poolStep(p, "nodes", "", p.Target, pool, nodes[pool.Name])
			st.After = slices.Clone(relaxIDs)
			for _, a := range pool.After {
				st.After = append(st.After, "nodes/pool/"+a)
			}
			for _, n := range pool.NotConcurrentWith {
				st.NotWith = append(st.NotWith, "nodes/pool/"+n)
			}
			pools = append(pools, st.ID)
			pl.Steps = append(pl.Steps, st)
		}
		lastPools = pools
	}
	for i := range restore {
		restore[i].After = slices.Clone(lastPools)
		if len(lastPools) == 0 {
			restore[i].After = relaxIDs
		}
	}
	if len(lastPools) == 0 {
		// No node moves: nothing to relax.
		pl.Steps = slices.DeleteFunc(pl.Steps, func(st Step) bool { return st.Phase == "relax" })
		restore = nil
	}
	pl.Steps = append(pl.Steps, restore...)
	verifyAfter := lastPools
	for _, r := range restore {
		verifyAfter = append(verifyAfter, r.ID)
	}
	pl.Steps = append(pl.Steps, Step{ID: "verify", Phase: "verify", Kind: KindVerify, Version: p.Target, After: slices.Clone(verifyAfter),
		Title: "Verify: every node Ready at the target, every workload fully available, nothing left cordoned", Estimate: Duration{verifyEstimate}})
	// NotWith is symmetric.
	index := map[string]int{}
	for i, st := range pl.Steps {
		index[st.ID] = i
	}
	for _, st := range pl.Steps {
		for _, other := range st.NotWith {
			o := &pl.Steps[index[other]]
			if !slices.Contains(o.NotWith, st.ID) {
				o.NotWith = append(o.NotWith, st.ID)
			}
		}
	}
	for i := range pl.Steps {
		slices.Sort(pl.Steps[i].NotWith)
	}
	pl.Estimate.Duration, pl.CriticalPath = criticalPath(pl.Steps)
	return pl, nil
}

// managedPools are the providers whose services upgrade whole pools.
var managedPools = map[string]string{"eks": "EKS managed node group update", "aks": "AKS agent pool upgrade", "gke": "GKE node pool upgrade",
	"anthos-bm": "bmctl cluster upgrade"}

func poolStep(p *profile.Profile, hid, hop, to string, pool profile.Pool, nodes []string) Step {
	prov := p.Provider
	st := Step{ID: hid + "/pool/" + pool.Name, Hop: hop, Phase: "node-pools", Version: to, Pool: pool.Name, Nodes: nodes,
		MaxSurge: max(pool.MaxSurge, 1), MaxUnavailable: max(pool.MaxUnavailable, 1), WaitFor: pool.WaitFor}
	n := time.Duration(len(nodes))
	service, managed := managedPools[prov]
	switch {
	case prov == "anthos-bm":
		st.Kind = KindPoolManaged
		st.Release = p.AnthosBM.Version
		st.Title = fmt.Sprintf("Check pool %s reached %s: bmctl upgrades node pools with the cluster", pool.Name, to)
		st.Estimate.Duration = 0
	case managed:
		st.Kind = KindPoolManaged
		st.Title = fmt.Sprintf("Upgrade pool %s to %s by the %s (max surge %d, max unavailable %d; the service drains, kubehop waits on the operation)",
			pool.Name, to, service, st.MaxSurge, st.MaxUnavailable)
		st.Estimate.Duration = perNodeEstimate * ((n + time.Duration(st.MaxSurge) - 1) / time.Duration(st.MaxSurge))
	case pool.Strategy == profile.InPlace:
		st.Kind = KindPoolInPlace
		st.Title = fmt.Sprintf("Upgrade pool %s in place to %s: cordon, drain, upgrade and uncordon %d node(s), %d at a time", pool.Name, to, len(nodes), st.MaxUnavailable)
		st.Estimate.Duration = perNodeEstimate * ((n + time.Duration(st.MaxUnavailable) - 1) / time.Duration(st.MaxUnavailable))
	case pool.Strategy == profile.BlueGreen:
		st.Kind = KindPoolBlueGreen
		st.Title = fmt.Sprintf("Replace pool %s blue/green: %d new node(s) at %s, then drain and retire the old", pool.Name, len(nodes), to)
		st.Estimate.Duration = 2 * perNodeEstimate
	default:
		st.Kind = KindPoolSurge
		st.MaxUnavailable = pool.MaxUnavailable
		st.Title = fmt.Sprintf("Upgrade pool %s by surge to %s: up to %d new node(s) beyond its size, drain %d of the %d old at a time and delete them",
			pool.Name, to, st.MaxSurge, st.MaxSurge+st.MaxUnavailable, len(nodes))
		st.Estimate.Duration = perNodeEstimate * ((n + time.Duration(st.MaxSurge) - 1) / time.Duration(st.MaxSurge))
	}
	if len(pool.WaitFor) > 0 {
		var g []string
		for _, w := range pool.WaitFor {
			g = append(g, w.Namespace+"/"+w.Selector)
		}
		st.Title += "; first wait until " + strings.Join(g, " and ") + " are Running"
	}
	return st
}

// nodesBehind reports whether any node's kubelet is older than target.
func nodesBehind(s *inventory.Snapshot, label string, target *version.Version) bool {
	for _, n := range s.Nodes {
		kv, err := version.ParseGeneric(n.KubeletVersion)
		if err != nil || kv.Minor() < target.Minor() {
			return true
		}
	}
	return false
}

// poolNodes groups the snapshot's nodes by pool.
func poolNodes(s *inventory.Snapshot, label string) map[string][]string {
	out := map[string][]string{}
	for _, n := range s.Nodes {
		pool := n.Pool
		if label != "" {
			pool = n.Labels[label]
		}
		out[pool] = append(out[pool], n.Name)
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	var keys []string
	for k := range m {
		if k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// criticalPath is the longest chain of dependent steps.
func criticalPath(steps []Step) (time.Duration, []string) {
	finish := map[string]time.Duration{}
	via := map[string]string{}
	var longest time.Duration
	last := ""
	for _, st := range steps { // steps are in dependency order
		start, from := time.Duration(0), ""
		for _, a := range st.After {
			if finish[a] > start {
				start, from = finish[a], a
			}
		}
		finish[st.ID] = start + st.Estimate.Duration
		via[st.ID] = from
		if finish[st.ID] >= longest {
			longest, last = finish[st.ID], st.ID
		}
	}
	var path []string
	for id := last; id != ""; id = via[id] {
		path = append([]string{id}, path...)
	}
	return longest, path
}

// ID is a short hash of the plan, recorded in the journal so that a run is
// never resumed with another plan.
func (p *Plan) ID() string {
	data, _ := json.Marshal(struct {
		Cluster profile.Cluster
		Target  string
		Steps   []Step
	}{p.Cluster, p.Target, p.Steps})
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:6])
}

// Step returns the step with id.
func (p *Plan) Step(id string) (Step, bool) {
	for _, st := range p.Steps {
		if st.ID == id {
			return st, true
		}
	}
	return Step{}, false
}

package check

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/scan"
)

// Severity ranks a finding.
type Severity string

// Severities, most serious first.
const (
	Blocker Severity = "blocker"
	Warning Severity = "warning"
	Info    Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Blocker:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Hop is one minor-version step of the control plane.
type Hop struct {
	From, To *version.Version
}

func (h Hop) String() string { return fmt.Sprintf("%s→%s", minor(h.From), minor(h.To)) }

func minor(v *version.Version) string { return fmt.Sprintf("%d.%d", v.Major(), v.Minor()) }

// Baseline names findings about the cluster as it is, before any hop.
const Baseline = "baseline"

// Finding is one thing a check found.
type Finding struct {
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Hop is the hop the finding must be resolved before ("1.36→1.37"),
	// Baseline, or "" when it concerns every hop that moves nodes.
	Hop string `json:"hop,omitempty"`
	// Object names what the finding is about: "Deployment shared/telegraf-prom".
	Object string `json:"object"`
	// Location is where a manifest finding was read.
	Location *scan.Location `json:"location,omitempty"`
	Message  string         `json:"message"`
	Remedy   string         `json:"remedy"`
}

// Check is one readiness check.
type Check struct {
	ID       string
	Title    string
	Severity Severity
	// Applies says to which hops and providers the check applies, for
	// people; Run decides per finding.
	Applies string
	// Providers restricts the check; empty means every provider.
	Providers []string
	Remedy    string
	Run       func(in *Input, c *Check) []Finding
}

// finding starts a finding of c with its severity and remedy.
func (c *Check) finding(hop, object, format string, args ...any) Finding {
	return Finding{Check: c.ID, Severity: c.Severity, Hop: hop, Object: object, Message: fmt.Sprintf(format, args...), Remedy: c.Remedy}
}

// Input is what the checks look at.
type Input struct {
	Snapshot *inventory.Snapshot
	// Current is the control plane's version; nil when checking manifests
	// without a cluster.
	Current *version.Version
	Target  *version.Version
	Hops    []Hop
	// Provider is "local", "eks", "aks", "gke", "anthos-bm", "kubeadm" or "".
	Provider string
	Now      time.Time
	// WindowEnd is the end of the maintenance window; certificates that
	// expire before it, or within CertWarn after it, are reported.
	WindowEnd time.Time
	CertWarn  time.Duration
	// Scan holds removed-API matches from manifests, Helm releases and
	// live objects.
	Scan       *scan.Result
	ReleaseMap *ReleaseMap
	Policy     *Policy
}

package plan

// Step kinds any plan can use for the platform runbooks (application
// upgrades, a service mesh's canary, certificate renewals): each acts on
// one object or runs one command, and is journalled like the node steps.
const (
	// KindScale records a workload's replicas (once per run) and scales it
	// to Action.Replicas, waiting until exactly that many are ready.
	KindScale = "scale"
	// KindScaleBack scales a workload back to the replicas KindScale
	// recorded, and waits for them.
	KindScaleBack = "scale-back"
	// KindJobFromCronJob creates a Job from the CronJob Action.CronJob in
	// Object's namespace and waits until it succeeds; a failed Job's pod
	// logs are in the error.
	KindJobFromCronJob = "job"
	// KindSetImage records a container's image (once per run) and sets
	// Action.Image, or the recorded image when Action.Restore is set.
	KindSetImage = "set-image"
	// KindRolloutRestart restarts a workload's pods as kubectl rollout
	// restart does, and waits for the rollout.
	KindRolloutRestart = "rollout-restart"
	// KindWaitReady waits until a workload's rollout is complete.
	KindWaitReady = "wait-ready"
	// KindWaitLog follows a container's log until a line matches
	// Action.Success (done) or Action.Failure (the step fails with the
	// line).
	KindWaitLog = "wait-log"
	// KindExec runs Action.Command on this machine; its output is
	// journalled.
	KindExec = "exec"
	// KindApprove waits until a person runs kubehop approve for the step.
	KindApprove = "approve"
	// KindSecretBackup copies a Secret to a dated backup Secret beside it
	// (once per run) and journals the backup's name.
	KindSecretBackup = "secret-backup"
	// KindSecretUpdate sets keys of a Secret from files (Action.Files), or
	// back to its backup's (Action.Restore). The files are read when the
	// step runs: no key material is in the plan or the journal.
	KindSecretUpdate = "secret-update"
	// KindLabel sets (or, for an empty value, removes) labels of any
	// object (Action.APIVersion, Object "Kind ns/name" or "Kind name"),
	// recording the values it replaces once per run.
	KindLabel = "label"
	// KindPatch patches any object with Action.Patch (Action.PatchType:
	// merge, the default, or strategic).
	KindPatch = "patch"
	// KindDelete deletes any object; its manifest is journalled first.
	KindDelete = "delete"
	// KindPodsMatch waits until every pod of Action.Namespaces (matching
	// Action.Selector) carries Action.Labels and runs container
	// Action.Container with Action.Image (a ":tag" suffix matches any
	// repository).
	KindPodsMatch = "pods-match"
	// KindServedCertificate connects to Action.Address (TLS, SNI
	// Action.ServerName) until the certificate served has the fingerprint
	// Action.Fingerprint.
	KindServedCertificate = "served-certificate"
)

// Action is what a runbook step does, beyond its Object.
type Action struct {
	Replicas *int32 `json:"replicas,omitempty"`
	// CronJob, for KindJobFromCronJob; Job is filled in by the run (the
	// Job it created), for later steps and rollback.
	CronJob string `json:"cronJob,omitempty"`
	// Container and Image, for KindSetImage and KindWaitLog.
	Container string `json:"container,omitempty"`
	Image     string `json:"image,omitempty"`
	Restore   bool   `json:"restore,omitempty"`
	// Success and Failure are regular expressions a log line is matched
	// with (KindWaitLog).
	Success string `json:"success,omitempty"`
	Failure string `json:"failure,omitempty"`
	// Command and Env, for KindExec: the argv and KEY=VALUE additions to
	// the environment. Dir is where it runs.
	Command []string `json:"command,omitempty"`
	Env     []string `json:"env,omitempty"`
	Dir     string   `json:"dir,omitempty"`
	// Timeout bounds the step's wait (10 minutes when zero).
	Timeout Duration `json:"timeout,omitempty"`
	// Message tells the person approving what to check (KindApprove).
	Message string `json:"message,omitempty"`
	// Files maps Secret keys to the files their values come from
	// (KindSecretUpdate); Backup names the backup Secret a restoring
	// update copies from ("" is the one this run made).
	Files  map[string]string `json:"files,omitempty"`
	Backup string            `json:"backup,omitempty"`
	// APIVersion, Labels, Patch and PatchType, for KindLabel, KindPatch
	// and KindDelete; Namespaces, Selector and Labels for KindPodsMatch.
	APIVersion string            `json:"apiVersion,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Patch      string            `json:"patch,omitempty"`
	PatchType  string            `json:"patchType,omitempty"`
	Namespaces []string          `json:"namespaces,omitempty"`
	Selector   string            `json:"selector,omitempty"`
	// Address, ServerName and Fingerprint, for KindServedCertificate.
	Address     string `json:"address,omitempty"`
	ServerName  string `json:"serverName,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Sequence builds a plan whose phases run one after another: each step
// added waits for every step of the phase added before it (and for its
// own After), the steps of one phase run side by side.
type Sequence struct {
	Plan *Plan
	prev []string
}

// Add appends a phase; a phase of no steps changes nothing.
func (s *Sequence) Add(phase string, steps ...Step) {
	if len(steps) == 0 {
		return
	}
	var ids []string
	for _, st := range steps {
		st.Phase = phase
		st.After = append(st.After, s.prev...)
		s.Plan.Steps = append(s.Plan.Steps, st)
		ids = append(ids, st.ID)
	}
	s.prev = ids
}

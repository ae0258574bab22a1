package execute

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/provider/eks"
	"github.com/kubehop/kubehop/internal/provider/eks/ekstest"
)

// cloudPlan upgrades an EKS cluster's control plane, then one managed
// node group.
func cloudPlan() *plan.Plan {
	return &plan.Plan{Steps: []plan.Step{
		{ID: "hop1/control-plane", Kind: plan.KindControlPlane, Version: "1.24"},
		{ID: "hop1/pool/vantiq", Kind: plan.KindPoolManaged, Pool: "vantiq", Version: "1.24", MaxSurge: 1, MaxUnavailable: 1, After: []string{"hop1/control-plane"}},
	}}
}

func cloudEnv(t *testing.T, s *ekstest.Server, path string) (*Env, *journal.State) {
	t.Helper()
	j, entries, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	cloud := eks.New(s.Client(), ekstest.ClusterName)
	cloud.PollInterval = 5 * time.Millisecond
	return &Env{Cloud: cloud, Journal: j, OperationInterval: 5 * time.Millisecond, Parallelism: 1}, journal.Replay(entries)
}

// TestCloudOperationsResumeWithoutStartingAgain stops a run while EKS
// upgrades the control plane, as a crash would, and resumes it: the
// resumed run waits on the journalled update instead of starting another,
// then upgrades the node group.
func TestCloudOperationsResumeWithoutStartingAgain(t *testing.T) {
	s := ekstest.Start(t)
	s.PollsToFinish = 3
	path := filepath.Join(t.TempDir(), "run.journal")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, state := cloudEnv(t, s, path)
	env.Progress = func(e Event) {
		if e.Kind == EventWait && e.Step == "hop1/control-plane" {
			cancel() // the update is in flight and journalled
		}
	}
	if err := Run(ctx, env, cloudPlan(), state); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want it stopped", err)
	}
	if s.ClusterVersion() != "1.23" {
		t.Fatalf("the control plane finished before the stop (%s); the test needs it in flight", s.ClusterVersion())
	}

	env, state = cloudEnv(t, s, path)
	if _, ok := state.Operations["hop1/control-plane"]; !ok {
		t.Fatal("the journal holds no operation for the control plane")
	}
	if err := Run(context.Background(), env, cloudPlan(), state); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if n := len(s.Calls("UpdateClusterVersion")); n != 1 {
		t.Errorf("UpdateClusterVersion called %d times, want 1: the resumed run must re-attach", n)
	}
	ng, _ := s.Nodegroup("vantiq")
	if s.ClusterVersion() != "1.24" || ng.Version != "1.24" {
		t.Errorf("after the run: control plane %s, node group vantiq %s, want 1.24", s.ClusterVersion(), ng.Version)
	}
	_, entries, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if st := journal.Replay(entries); !st.Done["hop1/pool/vantiq"] || !st.Done["hop1/control-plane"] {
		t.Errorf("steps done: %v", st.Done)
	}
}

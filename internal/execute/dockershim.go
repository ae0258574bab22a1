package execute

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/provider"
)

// TemporaryLabel marks the nodes of a dockershim migration's temporary
// pool with the pool they stand in for.
const TemporaryLabel = "kubehop.dev/temporary-for"

// poolNodesTimeout bounds the wait for a pool's nodes to come or go after
// the service says its operation is done.
const poolNodesTimeout = 20 * time.Minute

// lifecycle is the cloud as a PoolLifecycle, for the dockershim steps.
func (env *Env) lifecycle(st plan.Step) (provider.PoolLifecycle, error) {
	lc, ok := env.Cloud.(provider.PoolLifecycle)
	if !ok {
		return nil, fmt.Errorf("step %s needs a provider that creates and deletes node pools (eks)", st.ID)
	}
	return lc, nil
}

// dockershimStep runs one step of the dockershim migration. Each reads
// where things stand, so a resumed step finishes what it started: the
// service's operations are journalled and re-attached, nodes already
// drained drain at once, a pool already at its size is not resized.
func (env *Env) dockershimStep(ctx context.Context, st plan.Step) error {
	lc, err := env.lifecycle(st)
	if err != nil {
		return err
	}
	switch st.Kind {
	case plan.KindTempPoolCreate:
		return env.createTempPool(ctx, lc, st)
	case plan.KindPoolRetire:
		return env.retirePool(ctx, lc, st)
	case plan.KindPoolReturn:
		return env.returnPool(ctx, lc, st)
	case plan.KindTempPoolRemove:
		return env.removeTempPool(ctx, lc, st)
	}
	return fmt.Errorf("unknown dockershim step kind %q", st.Kind)
}

func (env *Env) createTempPool(ctx context.Context, lc provider.PoolLifecycle, st plan.Step) error {
	t := st.Temp
	// The temporary pool is as big as the pool it stands in for; once that
	// is retired, its recorded size says how big it was.
	size, err := lc.PoolSize(ctx, t.From)
	if err != nil {
		return err
	}
	var recorded provider.PoolSize
	if ok, err := env.original("scaling "+t.From, &recorded); err != nil {
		return err
	} else if ok {
		size = recorded
	}
	spec := provider.NewPool{Name: t.Name, From: t.From, Labels: map[string]string{TemporaryLabel: t.From},
		LaunchTemplate: provider.LaunchTemplate{ID: t.LaunchTemplate.ID, Name: t.LaunchTemplate.Name, Version: t.LaunchTemplate.Version}}
	err = env.cloudOperation(ctx, st, fmt.Sprintf("create node group %s like %s with launch template %s", t.Name, t.From, t.LaunchTemplate), func() (provider.Operation, error) {
		return lc.CreatePool(ctx, spec)
	})
	if err != nil {
		return err
	}
	return env.waitPoolNodes(ctx, st, t.Name, size.Desired)
}

// retirePool drains a pool into its temporary one and scales it to 0.
func (env *Env) retirePool(ctx context.Context, lc provider.PoolLifecycle, st plan.Step) error {
	if err := env.waitGates(ctx, st); err != nil {
		return err
	}
	size, err := lc.PoolSize(ctx, st.Pool)
	if err != nil {
		return err
	}
	if err := env.record(st.ID, "scaling "+st.Pool, size); err != nil {
		return err
	}
	if err := env.drainPool(ctx, st, st.Pool); err != nil {
		return err
	}
	var orig provider.PoolSize
	if _, err := env.original("scaling "+st.Pool, &orig); err != nil {
		return err
	}
	err = env.cloudOperation(ctx, st, fmt.Sprintf("scale node group %s to 0 (it had %d)", st.Pool, orig.Desired), func() (provider.Operation, error) {
		return lc.ScalePool(ctx, st.Pool, provider.PoolSize{Min: 0, Max: orig.Max, Desired: 0})
	})
	if err != nil {
		return err
	}
	return env.waitPoolGone(ctx, st, st.Pool)
}

// returnPool scales a retired pool back to its recorded size.
func (env *Env) returnPool(ctx context.Context, lc provider.PoolLifecycle, st plan.Step) error {
	var orig provider.PoolSize
	ok, err := env.original("scaling "+st.Pool, &orig)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("step %s: the journal has no recorded size of node group %s", st.ID, st.Pool)
	}
	err = env.cloudOperation(ctx, st, fmt.Sprintf("scale node group %s back to %d (min %d, max %d)", st.Pool, orig.Desired, orig.Min, orig.Max), func() (provider.Operation, error) {
		return lc.ScalePool(ctx, st.Pool, orig)
	})
	if err != nil {
		return err
	}
	if err := env.waitPoolNodes(ctx, st, st.Pool, orig.Desired); err != nil {
		return err
	}
	return env.restored(st.ID, "scaling "+st.Pool, fmt.Sprintf("back to %d node(s)", orig.Desired))
}

// removeTempPool drains the temporary pool back and deletes it.
func (env *Env) removeTempPool(ctx context.Context, lc provider.PoolLifecycle, st plan.Step) error {
	if err := env.waitGates(ctx, st); err != nil {
		return err
	}
	if err := env.drainPool(ctx, st, st.Pool); err != nil {
		return err
	}
	err := env.cloudOperation(ctx, st, "delete node group "+st.Pool, func() (provider.Operation, error) {
		return lc.DeletePool(ctx, st.Pool)
	})
	if err != nil {
		return err
	}
	return env.waitPoolGone(ctx, st, st.Pool)
}

// drainPool cordons and drains every node of a pool, all at once: their
// pods go to the other pool, which is up, and each eviction still asks its
// disruption budget.
func (env *Env) drainPool(ctx context.Context, st plan.Step, pool string) error {
	nodes, err := env.poolNodes(ctx, pool)
	if err != nil {
		return err
	}
	return env.eachNode(ctx, st, nodes, func(context.Context, string) error { return nil })
}

// waitPoolNodes waits until a pool has want nodes, all Ready.
func (env *Env) waitPoolNodes(ctx context.Context, st plan.Step, pool string, want int) error {
	last := ""
	err := wait.PollUntilContextTimeout(ctx, time.Second, poolNodesTimeout, true, func(ctx context.Context) (bool, error) {
		nodes, err := env.poolNodes(ctx, pool)
		if err != nil {
			return false, nil
		}
		ready := 0
		for i := range nodes {
			if kube.NodeReady(&nodes[i]) {
				ready++
			}
		}
		if now := fmt.Sprintf("%d of %d node(s) Ready", ready, want); now != last {
			env.report(EventNodes, st.ID, "", "pool %s: %s", pool, now)
			last = now
		}
		return len(nodes) == want && ready == want, nil
	})
	if err != nil {
		return fmt.Errorf("pool %s: %s after the service finished: %w", pool, last, err)
	}
	return nil
}

// waitPoolGone waits until a pool has no nodes, and books the nodes this
// step cordoned as gone.
func (env *Env) waitPoolGone(ctx context.Context, st plan.Step, pool string) error {
	if err := env.waitPoolNodes(ctx, st, pool, 0); err != nil {
		return err
	}
	for _, n := range env.changedBy(st.ID, "node") {
		if err := env.restoreNode(ctx, st.ID, n); err != nil {
			return err
		}
	}
	return nil
}

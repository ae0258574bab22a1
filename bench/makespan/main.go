// Command makespan measures how long kubehop takes to move every node of a
// cluster to a new minor by surge, next to a sequential node-by-node
// kubectl drain of the same procedure and the lower bound kubehop computes
// from the cluster's disruption budgets and surge limits.
//
// Each run gets a fresh local cluster (control plane at 1.37, kwok nodes at
// 1.36) seeded the same way: pools of nodes, Deployments of 2 to 10
// replicas with budgets of maxUnavailable 1 or 25%, StatefulSets of 3 with
// minAvailable 2, DaemonSets and one single-replica Deployment whose budget
// blocks every drain. Pods take -pod-ready and new nodes -node-ready to
// turn Ready. An independent watcher counts every moment a budget was
// broken.
//
//	go run ./bench/makespan              # both runs, about 20 minutes
//	go run ./bench/makespan -runs kubehop # kubehop and the bound only
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

type options struct {
	pools, nodesPerPool, deployments, statefulSets int
	maxSurge, maxUnavailable                       int
	podReady, nodeReady                            time.Duration
	seed                                           uint64
	runs                                           string
	kubehop, out                                   string
	trace                                          string
	verbose                                        bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := options{pools: 3, nodesPerPool: 20, deployments: 40, statefulSets: 3, maxSurge: 5, maxUnavailable: 5,
		podReady: 5 * time.Second, nodeReady: 10 * time.Second, seed: 1, runs: "kubehop,kubectl"}
	fs := flag.NewFlagSet("makespan", flag.ContinueOnError)
	fs.IntVar(&o.pools, "pools", o.pools, "node pools")
	fs.IntVar(&o.nodesPerPool, "nodes-per-pool", o.nodesPerPool, "nodes in each pool")
	fs.IntVar(&o.deployments, "deployments", o.deployments, "Deployments of 2 to 10 replicas, each with a budget")
	fs.IntVar(&o.statefulSets, "statefulsets", o.statefulSets, "StatefulSets of 3 replicas with minAvailable 2")
	fs.IntVar(&o.maxSurge, "max-surge", o.maxSurge, "new nodes each pool may have beyond its size")
	fs.IntVar(&o.maxUnavailable, "max-unavailable", o.maxUnavailable, "old nodes each pool may drain beyond those new nodes cover")
	fs.DurationVar(&o.podReady, "pod-ready", o.podReady, "time a scheduled pod takes to turn Ready")
	fs.DurationVar(&o.nodeReady, "node-ready", o.nodeReady, "time a new node takes to turn Ready")
	fs.Uint64Var(&o.seed, "seed", o.seed, "seed of the workload generator")
	fs.StringVar(&o.runs, "runs", o.runs, "comma-separated runs: kubehop, kubectl")
	fs.StringVar(&o.kubehop, "kubehop", "", "kubehop binary (default: build ./cmd/kubehop)")
	fs.StringVar(&o.out, "out", "", "directory for clusters' logs, profiles, journals and results.json (default a temporary directory)")
	fs.StringVar(&o.trace, "trace", "", "write when each pod of this app (such as web-02) is created, Ready and gone to trace-<app>.txt in the run's directory")
	fs.BoolVar(&o.verbose, "v", false, "log the local clusters' progress")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	for _, r := range strings.Split(o.runs, ",") {
		if r != "kubehop" && r != "kubectl" {
			fmt.Fprintf(os.Stderr, "Error: -runs: unknown run %q (want kubehop, kubectl)\n", r)
			os.Exit(2)
		}
	}
	if err := o.run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

// result is one run's measurement.
type result struct {
	Run        string        `json:"run"`
	Makespan   time.Duration `json:"makespan"`
	Violations []string      `json:"violations"`
	Log        string        `json:"log,omitempty"`
}

type results struct {
	Scenario string          `json:"scenario"`
	Bound    json.RawMessage `json:"bound,omitempty"`
	BoundAt  time.Duration   `json:"boundTotal"`
	Runs     []result        `json:"runs"`
}

func (o *options) run(ctx context.Context, w io.Writer) error {
	if o.out == "" {
		dir, err := os.MkdirTemp("", "kubehop-makespan-")
		if err != nil {
			return err
		}
		o.out = dir
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	if o.kubehop == "" && strings.Contains(o.runs, "kubehop") {
		o.kubehop = filepath.Join(o.out, "kubehop-bin")
		fmt.Fprintln(os.Stderr, "building kubehop...")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", o.kubehop, "./cmd/kubehop")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build kubehop (run from the repository's root): %w", err)
		}
	}
	res := results{Scenario: o.scenario()}
	for _, name := range strings.Split(o.runs, ",") {
		r, bound, err := o.measure(ctx, name)
		if err != nil {
			return fmt.Errorf("%s run: %w", name, err)
		}
		if bound != nil {
			res.Bound, _ = json.Marshal(bound)
			res.BoundAt = bound.Total.Duration
		}
		res.Runs = append(res.Runs, r)
	}
	data, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(o.out, "results.json"), data, 0o644); err != nil {
		return err
	}
	o.print(w, res)
	return nil
}

func (o *options) scenario() string {
	return fmt.Sprintf("%d nodes in %d pools (surge, maxSurge %d and maxUnavailable %d each, all pools at once), %d Deployments of 2-10 replicas (maxUnavailable 1 or 25%%), %d StatefulSets of 3 (minAvailable 2), 2 DaemonSets, 1 single-replica budget blocker; pods Ready after %s, new nodes after %s; seed %d",
		o.pools*o.nodesPerPool, o.pools, o.maxSurge, o.maxUnavailable, o.deployments, o.statefulSets, o.podReady, o.nodeReady, o.seed)
}

func (o *options) print(w io.Writer, res results) {
	fmt.Fprintln(w, res.Scenario)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tmakespan\t× lower bound\tPDB violations\t")
	var kubehop, kubectl time.Duration
	for _, r := range res.Runs {
		ratio := "-"
		if res.BoundAt > 0 {
			ratio = fmt.Sprintf("%.2f", r.Makespan.Seconds()/res.BoundAt.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t\n", label(r.Run), r.Makespan.Round(100*time.Millisecond), ratio, len(r.Violations))
		switch r.Run {
		case "kubehop":
			kubehop = r.Makespan
		case "kubectl":
			kubectl = r.Makespan
		}
	}
	if res.BoundAt > 0 {
		fmt.Fprintf(tw, "%s\t%s\t1.00\t-\t\n", "lower bound (kubehop's)", res.BoundAt)
	}
	tw.Flush()
	if kubehop > 0 && kubectl > 0 {
		fmt.Fprintf(w, "\nkubehop is %.1f× faster than the sequential kubectl drain.\n", kubectl.Seconds()/kubehop.Seconds())
	}
	for _, r := range res.Runs {
		for _, v := range r.Violations {
			fmt.Fprintf(w, "violation (%s): %s\n", r.Run, v)
		}
	}
}

func label(run string) string {
	switch run {
	case "kubehop":
		return "kubehop apply"
	case "kubectl":
		return "sequential kubectl drain"
	}
	return run
}

func (o *options) logger() *slog.Logger {
	if !o.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

// rng is the workload generator's source.
func (o *options) rng() *rand.Rand { return rand.New(rand.NewPCG(o.seed, 0x6b75626568)) }

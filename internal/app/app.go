// Package app plans a stateful application's upgrade and rollback as
// kubehop plans, run by the same executor and journal as cluster upgrades:
// the runbook's minor upgrade (service stopped, database backed up, new
// tag, the application held at one replica and the others at none while
// its schema migrates, the migration's success line awaited, replicas
// scaled back), its patch upgrade (backup, rolling update) and its
// rollback (service stopped, database restored from the backup that run
// took, previous tag, replicas back).
package app

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
)

// Upgrade kinds.
const (
	Minor = "minor"
	Patch = "patch"
)

// Kind tells a minor upgrade (the minor version changes: a schema
// migration, downtime) from a patch upgrade, by the tags' versions.
func Kind(from, to string) (string, error) {
	f, err := version.ParseGeneric(strings.TrimPrefix(from, "v"))
	if err != nil {
		return "", fmt.Errorf("the running tag %q is not a version: give --kind minor or patch", from)
	}
	t, err := version.ParseGeneric(strings.TrimPrefix(to, "v"))
	if err != nil {
		return "", fmt.Errorf("--to %q is not a version such as 1.41.0", to)
	}
	switch {
	case t.LessThan(f):
		return "", fmt.Errorf("--to %s is older than the running %s: use kubehop app rollback", to, from)
	case t.Major() != f.Major() || t.Minor() != f.Minor():
		return Minor, nil
	case !f.LessThan(t):
		return "", fmt.Errorf("the application runs %s already", from)
	}
	return Patch, nil
}

// Tag is the tag of an image reference ("repo/name:1.40.5" -> "1.40.5").
func Tag(image string) string {
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return ""
	}
	return image[i+1:]
}

// WithTag replaces an image reference's tag (and drops a digest).
func WithTag(image, tag string) string {
	image, _, _ = strings.Cut(image, "@")
	if t := Tag(image); t != "" {
		image = strings.TrimSuffix(image, ":"+t)
	}
	return image + ":" + tag
}

// object writes a profile workload ("StatefulSet/vantiq") as the
// executor's object ("StatefulSet ns/vantiq").
func object(ns, workload string) string {
	kind, name, _ := profile.ParseWorkload(workload)
	return kind + " " + ns + "/" + name
}

// Plan inputs the cluster gives: the image each moving container runs now
// (the new image is the same with tag), and the cluster's minor (what the
// last verification checks the nodes at).
type Inputs struct {
	Images       map[string]string
	ClusterMinor string
}

func int32p(n int32) *int32 { return &n }

func duration(d profile.Duration) plan.Duration { return plan.Duration{Duration: d.Duration} }

// Upgrade plans the application's upgrade to tag.
func Upgrade(p *profile.Profile, kind, tag string, in Inputs) (*plan.Plan, error) {
	a := p.App
	if a == nil {
		return nil, fmt.Errorf("%s: no app section: kubehop app needs the application's workloads, backup and migration", p.File())
	}
	ns := a.Namespace
	appObj := object(ns, a.Workload)
	pl := &plan.Plan{APIVersion: plan.APIVersion, Cluster: p.Cluster, Provider: "app", From: Tag(in.Images[a.Container]), Target: tag}
	seq := &plan.Sequence{Plan: pl}
	add := seq.Add
	everyone := append([]string{a.Workload}, a.Others...)
	scaleAll := func(id, phase string, n func(w string) int32, title string) {
		var steps []plan.Step
		for _, w := range everyone {
			r := n(w)
			steps = append(steps, plan.Step{ID: id + "/" + w, Kind: plan.KindScale, Object: object(ns, w), Action: &plan.Action{Replicas: int32p(r)},
				Title: fmt.Sprintf(title, object(ns, w), r)})
		}
		add(phase, steps...)
	}
	if kind == Minor {
		scaleAll("stop", "stop", func(string) int32 { return 0 }, "Stop %s: scale to %d, recording its replicas (downtime starts)")
	}
	add("backup", taskSteps("backup", "Back up", ns, a.Backup, nil)...)
	add("deploy", deploySteps(a, appObj, tag, in)...)
	if kind == Minor {
		// The deploy tool resets the scale; during the migration the
		// application runs exactly one replica and the others none.
		scaleAll("hold", "migrate", func(w string) int32 {
			if w == a.Workload {
				return 1
			}
			return 0
		}, "Hold %s at %d replica(s) while the schema migrates")
		_, name, _ := profile.ParseWorkload(a.Workload)
		add("migrate", plan.Step{ID: "migration", Kind: plan.KindWaitLog, Object: "Pod " + ns + "/" + name + "-0",
			Action: &plan.Action{Container: a.Migration.Container, Success: a.Migration.Success, Failure: a.Migration.Failure, Timeout: duration(a.Migration.Timeout)},
			Title:  fmt.Sprintf("Follow %s-0 container %s until it logs /%s/ (a line matching /%s/ rolls back)", name, a.Migration.Container, a.Migration.Success, a.Migration.Failure)})
		add("migrate", plan.Step{ID: "ready/" + a.Workload, Kind: plan.KindWaitReady, Object: appObj, Title: fmt.Sprintf("Wait until %s is Running and Ready (downtime ends)", appObj)})
		var back []plan.Step
		for _, w := range everyone {
			back = append(back, plan.Step{ID: "scale-back/" + w, Kind: plan.KindScaleBack, Object: object(ns, w),
				Title: fmt.Sprintf("Scale %s back to its recorded replicas", object(ns, w))})
		}
		add("scale-back", back...)
	} else {
		add("rollout", plan.Step{ID: "ready/" + a.Workload, Kind: plan.KindWaitReady, Object: appObj, Title: fmt.Sprintf("Wait for %s's rolling update", appObj)})
	}
	add("verify", plan.Step{ID: "verify", Kind: plan.KindVerify, Version: in.ClusterMinor,
		Title: "Verify: every node Ready, every workload fully available, every pod Running (Jobs excepted)"})
	return pl, nil
}

// taskSteps are a Task's steps: the Job from its CronJob, then its
// command, which gets the Job's name.
func taskSteps(id, what, ns string, t profile.Task, env []string) []plan.Step {
	var steps []plan.Step
	cron := "CronJob " + ns + "/" + t.CronJob
	if t.CronJob != "" {
		steps = append(steps, plan.Step{ID: id, Kind: plan.KindJobFromCronJob, Object: cron,
			Action: &plan.Action{CronJob: t.CronJob, Env: env, Timeout: duration(t.Timeout)},
			Title:  fmt.Sprintf("%s: create a Job from CronJob %s/%s and wait until it succeeds", what, ns, t.CronJob)})
	}
	if len(t.Command) > 0 {
		st := plan.Step{ID: id + "/command", Kind: plan.KindExec,
			Action: &plan.Action{Command: t.Command, Timeout: duration(t.Timeout), Env: append([]string{"KUBEHOP_NAMESPACE=" + ns}, env...)},
			Title:  what + ": run " + strings.Join(t.Command, " ")}
		if t.CronJob != "" {
			st.Object, st.After = cron, []string{id}
		}
		steps = append(steps, st)
	}
	return steps
}

func deploySteps(a *profile.App, appObj, tag string, in Inputs) []plan.Step {
	if a.Deploy != nil {
		return []plan.Step{{ID: "deploy", Kind: plan.KindExec,
			Action: &plan.Action{Command: a.Deploy.Command, Env: []string{"KUBEHOP_TAG=" + tag, "KUBEHOP_NAMESPACE=" + a.Namespace}, Timeout: duration(a.Deploy.Timeout)},
			Title:  fmt.Sprintf("Deploy tag %s with %s", tag, strings.Join(a.Deploy.Command, " "))}}
	}
	var steps []plan.Step
	for _, c := range containers(a) {
		img := WithTag(in.Images[c], tag)
		steps = append(steps, plan.Step{ID: "image/" + c, Kind: plan.KindSetImage, Object: appObj, Action: &plan.Action{Container: c, Image: img},
			Title: fmt.Sprintf("Set %s container %s to %s, recording its image", appObj, c, img)})
	}
	return steps
}

// containers are the containers an upgrade moves to the new tag.
func containers(a *profile.App) []string {
	if len(a.Containers) > 0 {
		return a.Containers
	}
	return []string{a.Container}
}

// Records are what an upgrade's journal recorded: each workload's replicas
// and each container's image before the run, and the backup Job it made.
type Records struct {
	Replicas map[string]int32
	Images   map[string]string
	Backup   *execute.JobRecord
	// Tag is the upgrade's target tag.
	Tag string
}

// ReadRecords reads the records of an upgrade journal: the first original
// of each object, restored or not.
func ReadRecords(entries []journal.Entry) (*Records, error) {
	r := &Records{Replicas: map[string]int32{}, Images: map[string]string{}}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Type == journal.Plan {
			var rec struct {
				Plan *plan.Plan `json:"plan"`
			}
			if json.Unmarshal(e.Data, &rec) == nil && rec.Plan != nil {
				r.Tag = rec.Plan.Target
			}
		}
		if e.Type != journal.Original || seen[e.Object] {
			continue
		}
		seen[e.Object] = true
		kind, rest, _ := strings.Cut(e.Object, " ")
		switch kind {
		case "replicas":
			var v struct {
				Replicas int32 `json:"replicas"`
			}
			if err := json.Unmarshal(e.Data, &v); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", journal.ErrCorrupt, e.Object, err)
			}
			r.Replicas[rest] = v.Replicas
		case "image":
			var v execute.ImageRecord
			if err := json.Unmarshal(e.Data, &v); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", journal.ErrCorrupt, e.Object, err)
			}
			r.Images[rest] = v.Image
		case "job":
			var v execute.JobRecord
			if err := json.Unmarshal(e.Data, &v); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", journal.ErrCorrupt, e.Object, err)
			}
			r.Backup = &v
		}
	}
	return r, nil
}

// Rollback plans the return to where an upgrade started: the application
// and the others stopped, the database restored from the upgrade's
// backup (minor upgrades: the schema changed), the previous images, the
// recorded replicas.
func Rollback(p *profile.Profile, kind string, rec *Records, current map[string]int32, clusterMinor string) (*plan.Plan, error) {
	a := p.App
	if a == nil {
		return nil, fmt.Errorf("%s: no app section", p.File())
	}
	ns := a.Namespace
	appObj := object(ns, a.Workload)
	pl := &plan.Plan{APIVersion: plan.APIVersion, Cluster: p.Cluster, Provider: "app", From: rec.Tag, Target: Tag(rec.Images[appObj+" "+a.Container])}
	seq := &plan.Sequence{Plan: pl}
	add := seq.Add
	everyone := append([]string{a.Workload}, a.Others...)
	var stop []plan.Step
	for _, w := range everyone {
		stop = append(stop, plan.Step{ID: "stop/" + w, Kind: plan.KindScale, Object: object(ns, w), Action: &plan.Action{Replicas: int32p(0)},
			Title: fmt.Sprintf("Stop %s", object(ns, w))})
	}
	add("stop", stop...)
	if kind == Minor {
		if rec.Backup == nil {
			return nil, fmt.Errorf("the upgrade's journal records no backup Job: the database cannot be restored from it")
		}
		add("restore", taskSteps("restore", fmt.Sprintf("Restore the database from the backup of Job %s/%s", rec.Backup.Namespace, rec.Backup.Name),
			ns, a.Restore, []string{"KUBEHOP_BACKUP_JOB=" + rec.Backup.Name})...)
	}
	var images []plan.Step
	for _, c := range containers(a) {
		img, ok := rec.Images[appObj+" "+c]
		if !ok {
			if a.Deploy != nil {
				continue
			}
			return nil, fmt.Errorf("the upgrade's journal records no image of %s container %s", appObj, c)
		}
		images = append(images, plan.Step{ID: "image/" + c, Kind: plan.KindSetImage, Object: appObj, Action: &plan.Action{Container: c, Image: img},
			Title: fmt.Sprintf("Set %s container %s back to %s", appObj, c, img)})
	}
	if a.Deploy != nil && len(images) == 0 {
		prevTag := rec.Images[appObj+" "+a.Container]
		images = append(images, plan.Step{ID: "deploy", Kind: plan.KindExec,
			Action: &plan.Action{Command: a.Deploy.Command, Env: []string{"KUBEHOP_TAG=" + Tag(prevTag), "KUBEHOP_NAMESPACE=" + ns}, Timeout: duration(a.Deploy.Timeout)},
			Title:  "Deploy the previous tag with " + strings.Join(a.Deploy.Command, " ")})
	}
	add("redeploy", images...)
	var back []plan.Step
	for _, w := range everyone {
		obj := object(ns, w)
		n, ok := rec.Replicas[obj]
		if !ok {
			n, ok = current[obj]
		}
		if !ok {
			return nil, fmt.Errorf("the journal records no replicas of %s", obj)
		}
		back = append(back, plan.Step{ID: "scale-back/" + w, Kind: plan.KindScale, Object: obj, Action: &plan.Action{Replicas: int32p(n)},
			Title: fmt.Sprintf("Scale %s back to %d", obj, n)})
	}
	add("scale-back", back...)
	add("verify", plan.Step{ID: "verify", Kind: plan.KindVerify, Version: clusterMinor,
		Title: "Verify: every node Ready, every workload fully available, every pod Running (Jobs excepted)"})
	return pl, nil
}

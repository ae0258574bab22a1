package execute

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
)

// defaultActionTimeout bounds a runbook step's wait unless it says
// otherwise.
const defaultActionTimeout = 10 * time.Minute

func actionTimeout(st plan.Step) time.Duration {
	if st.Action != nil && st.Action.Timeout.Duration > 0 {
		return st.Action.Timeout.Duration
	}
	return defaultActionTimeout
}

// runAction runs a runbook step.
func (env *Env) runAction(ctx context.Context, st plan.Step) error {
	if st.Action == nil && st.Kind != plan.KindScaleBack && st.Kind != plan.KindRolloutRestart && st.Kind != plan.KindWaitReady && st.Kind != plan.KindSecretBackup {
		return fmt.Errorf("step %s (%s) has no action", st.ID, st.Kind)
	}
	switch st.Kind {
	case plan.KindScale:
		return env.scaleTo(ctx, st)
	case plan.KindScaleBack:
		return env.scaleBack(ctx, st)
	case plan.KindJobFromCronJob:
		_, err := env.jobFromCronJob(ctx, st)
		return err
	case plan.KindSetImage:
		return env.setImage(ctx, st)
	case plan.KindRolloutRestart:
		return env.rolloutRestart(ctx, st)
	case plan.KindWaitReady:
		n, err := env.getScale(ctx, st.Object)
		if err != nil {
			return err
		}
		return env.waitWorkload(ctx, st.Object, n)
	case plan.KindWaitLog:
		return env.waitLog(ctx, st)
	case plan.KindExec:
		return env.execCommand(ctx, st)
	case plan.KindApprove:
		return env.approve(ctx, st)
	case plan.KindSecretBackup:
		return env.backupSecret(ctx, st)
	case plan.KindSecretUpdate:
		return env.updateSecret(ctx, st)
	case plan.KindServedCertificate:
		return env.servedCertificate(ctx, st)
	case plan.KindLabel:
		return env.label(ctx, st)
	case plan.KindPatch:
		return env.patch(ctx, st)
	case plan.KindDelete:
		return env.deleteObject(ctx, st)
	case plan.KindPodsMatch:
		return env.podsMatch(ctx, st)
	}
	return fmt.Errorf("unknown step kind %q", st.Kind)
}

// Bookkeeping objects of the runbook steps: what a later step or a
// rollback reads back. None is undone when a run stops: a half-done
// application upgrade is rolled back on purpose, not by compensation.
func replicasObject(workload string) string { return "replicas " + workload }

func imageObject(workload, container string) string {
	return "image " + workload + " " + container
}

// JobObject is the journal's record of the Job a KindJobFromCronJob step
// created for a CronJob ("CronJob ns/name").
func JobObject(cronJob string) string { return "job " + cronJob }

// JobRecord is what the journal keeps of a Job a step created.
type JobRecord struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// ImageRecord is a container's image before a run changed it.
type ImageRecord struct {
	Image string `json:"image"`
}

func (env *Env) scaleTo(ctx context.Context, st plan.Step) error {
	n, err := env.getScale(ctx, st.Object)
	if err != nil {
		return err
	}
	if err := env.record(st.ID, replicasObject(st.Object), replicas{n}); err != nil {
		return err
	}
	want := *st.Action.Replicas
	if n != want {
		if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object, Message: fmt.Sprintf("scale from %d to %d", n, want)}); err != nil {
			return err
		}
		if err := env.setScale(ctx, st.Object, want); err != nil {
			return err
		}
	}
	return env.waitWorkload(ctx, st.Object, want)
}

func (env *Env) scaleBack(ctx context.Context, st plan.Step) error {
	var orig replicas
	ok, err := env.original(replicasObject(st.Object), &orig)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("step %s: the journal has no recorded replicas of %s", st.ID, st.Object)
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object, Message: fmt.Sprintf("scale back to %d", orig.Replicas)}); err != nil {
		return err
	}
	if err := env.setScale(ctx, st.Object, orig.Replicas); err != nil {
		return err
	}
	if err := env.waitWorkload(ctx, st.Object, orig.Replicas); err != nil {
		return err
	}
	return env.restored(st.ID, replicasObject(st.Object), fmt.Sprintf("%d replicas", orig.Replicas))
}

// jobFromCronJob creates a Job from a CronJob's template, as kubectl
// create job --from=cronjob/NAME does, and waits for it. Its name is
// journalled before it is created, so a resumed step waits on the same Job.
func (env *Env) jobFromCronJob(ctx context.Context, st plan.Step) (JobRecord, error) {
	_, ns, _ := cutObject(st.Object)
	cronObject := "CronJob " + ns + "/" + st.Action.CronJob
	cj, err := env.Client.BatchV1().CronJobs(ns).Get(ctx, st.Action.CronJob, metav1.GetOptions{})
	if err != nil {
		return JobRecord{}, fmt.Errorf("read %s: %w", cronObject, err)
	}
	name := fmt.Sprintf("%s-kubehop-%s", st.Action.CronJob, time.Now().UTC().Format("20060102-150405"))
	if len(name) > 63 {
		name = name[len(name)-63:]
	}
	if err := env.record(st.ID, JobObject(cronObject), JobRecord{Namespace: ns, Name: name}); err != nil {
		return JobRecord{}, err
	}
	var rec JobRecord
	if _, err := env.original(JobObject(cronObject), &rec); err != nil {
		return rec, err
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: rec.Name, Namespace: ns,
			Labels:      cj.Spec.JobTemplate.Labels,
			Annotations: map[string]string{"cronjob.kubernetes.io/instantiate": "manual", "kubehop.dev/step": st.ID},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID,
				Controller: new(true)}}},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
	// The Job's containers get the step's environment (a restore names the
	// backup it restores).
	for _, kv := range st.Action.Env {
		k, v, _ := strings.Cut(kv, "=")
		for _, list := range [][]corev1.Container{job.Spec.Template.Spec.InitContainers, job.Spec.Template.Spec.Containers} {
			for i := range list {
				list[i].Env = append(list[i].Env, corev1.EnvVar{Name: k, Value: v})
			}
		}
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: "Job " + ns + "/" + rec.Name, Message: "create from " + cronObject}); err != nil {
		return rec, err
	}
	if _, err := env.Client.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return rec, fmt.Errorf("create Job %s/%s from %s: %w", ns, rec.Name, cronObject, err)
	}
	env.report(EventWait, st.ID, "", "Job %s/%s created from %s", ns, rec.Name, cronObject)
	var failed *batchv1.JobCondition
	err = wait.PollUntilContextTimeout(ctx, time.Second, actionTimeout(st), true, func(ctx context.Context) (bool, error) {
		j, err := env.Client.BatchV1().Jobs(ns).Get(ctx, rec.Name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range j.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				continue
			}
			switch c.Type {
			case batchv1.JobComplete:
				return true, nil
			case batchv1.JobFailed:
				failed = &c
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return rec, fmt.Errorf("Job %s/%s did not finish: %w", ns, rec.Name, err)
	}
	if failed != nil {
		return rec, fmt.Errorf("Job %s/%s failed (%s: %s)%s", ns, rec.Name, failed.Reason, failed.Message, env.jobLogs(ctx, ns, rec.Name))
	}
	env.note(st.ID, "Job "+ns+"/"+rec.Name, "succeeded", rec)
	return rec, nil
}

// jobLogs are the last lines of each container of a Job's pods, for the
// error that says it failed.
func (env *Env) jobLogs(ctx context.Context, ns, job string) string {
	pods, err := env.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + job})
	if err != nil || len(pods.Items) == 0 {
		return ""
	}
	var b strings.Builder
	tail := int64(20)
	for _, p := range pods.Items {
		for _, c := range append(slices.Clone(p.Spec.InitContainers), p.Spec.Containers...) {
			data, err := env.Client.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: c.Name, TailLines: &tail}).DoRaw(ctx)
			if err != nil || len(bytes.TrimSpace(data)) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\n--- pod %s container %s, last lines:\n%s", p.Name, c.Name, strings.TrimRight(string(data), "\n"))
		}
	}
	return b.String()
}

// containerImage finds a container (or init container) of a pod template.
func containerImage(spec *corev1.PodSpec, name string) (image string, init bool, ok bool) {
	for _, c := range spec.Containers {
		if c.Name == name {
			return c.Image, false, true
		}
	}
	for _, c := range spec.InitContainers {
		if c.Name == name {
			return c.Image, true, true
		}
	}
	return "", false, false
}

// podTemplate reads a Deployment's or StatefulSet's pod template.
func (env *Env) podTemplate(ctx context.Context, object string) (*corev1.PodTemplateSpec, error) {
	kind, ns, name := cutObject(object)
	switch kind {
	case "Deployment":
		d, err := env.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", object, err)
		}
		return &d.Spec.Template, nil
	case "StatefulSet":
		s, err := env.Client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", object, err)
		}
		return &s.Spec.Template, nil
	}
	return nil, fmt.Errorf("cannot change the pods of %s", object)
}

// patchTemplate applies a strategic merge patch to a workload.
func (env *Env) patchTemplate(ctx context.Context, object string, patch []byte) error {
	kind, ns, name := cutObject(object)
	var err error
	switch kind {
	case "Deployment":
		_, err = env.Client.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	case "StatefulSet":
		_, err = env.Client.AppsV1().StatefulSets(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	default:
		return fmt.Errorf("cannot patch %s", object)
	}
	if err != nil {
		return fmt.Errorf("patch %s: %w", object, err)
	}
	return nil
}

func (env *Env) setImage(ctx context.Context, st plan.Step) error {
	c := st.Action.Container
	tmpl, err := env.podTemplate(ctx, st.Object)
	if err != nil {
		return err
	}
	current, init, ok := containerImage(&tmpl.Spec, c)
	if !ok {
		return fmt.Errorf("%s has no container %s", st.Object, c)
	}
	if err := env.record(st.ID, imageObject(st.Object, c), ImageRecord{current}); err != nil {
		return err
	}
	want := st.Action.Image
	if st.Action.Restore {
		var orig ImageRecord
		if ok, err := env.original(imageObject(st.Object, c), &orig); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("step %s: the journal has no recorded image of %s container %s", st.ID, st.Object, c)
		}
		want = orig.Image
	}
	if current == want {
		return nil
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object, Message: fmt.Sprintf("container %s: image %s -> %s", c, current, want)}); err != nil {
		return err
	}
	field := "containers"
	if init {
		field = "initContainers"
	}
	return env.patchTemplate(ctx, st.Object, fmt.Appendf(nil, `{"spec":{"template":{"spec":{%q:[{"name":%q,"image":%q}]}}}}`, field, c, want))
}

// rolloutRestart restarts a workload's pods, as kubectl rollout restart
// does, and waits for the rollout.
func (env *Env) rolloutRestart(ctx context.Context, st plan.Step) error {
	at := time.Now().UTC().Format(time.RFC3339)
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object, Message: "rollout restart at " + at}); err != nil {
		return err
	}
	if err := env.patchTemplate(ctx, st.Object, fmt.Appendf(nil, `{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":%q}}}}}`, at)); err != nil {
		return err
	}
	n, err := env.getScale(ctx, st.Object)
	if err != nil {
		return err
	}
	return env.waitWorkload(ctx, st.Object, n)
}

// waitLog follows a container's log until a line matches the success or
// the failure pattern. A container not started yet, or restarted, is
// followed again from its start.
func (env *Env) waitLog(ctx context.Context, st plan.Step) error {
	a := st.Action
	success, err := regexp.Compile(a.Success)
	if err != nil || a.Success == "" {
		return fmt.Errorf("step %s: success pattern %q: %v", st.ID, a.Success, err)
	}
	var failure *regexp.Regexp
	if a.Failure != "" {
		if failure, err = regexp.Compile(a.Failure); err != nil {
			return fmt.Errorf("step %s: failure pattern %q: %w", st.ID, a.Failure, err)
		}
	}
	_, ns, name := cutObject(st.Object)
	ctx, cancel := context.WithTimeout(ctx, actionTimeout(st))
	defer cancel()
	env.report(EventWait, st.ID, "", "following %s container %s for /%s/", st.Object, a.Container, a.Success)
	for {
		line, matched, err := env.followLog(ctx, ns, name, a.Container, success, failure)
		switch {
		case matched == success:
			env.note(st.ID, st.Object, "log: "+line, nil)
			return nil
		case matched != nil:
			env.note(st.ID, st.Object, "log: "+line, nil)
			return fmt.Errorf("%w: %s container %s logged %q (matches /%s/)", ErrLogFailure, st.Object, a.Container, line, a.Failure)
		case ctx.Err() != nil:
			return fmt.Errorf("%s container %s logged no line matching /%s/ in %s (last: %v)", st.Object, a.Container, a.Success, actionTimeout(st), err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// ErrLogFailure is returned by a KindWaitLog step whose container logged a
// line matching the failure pattern.
var ErrLogFailure = errors.New("a failure line was logged")

// followLog streams one container's log and returns the first line that
// matches either pattern, and which.
func (env *Env) followLog(ctx context.Context, ns, pod, container string, success, failure *regexp.Regexp) (string, *regexp.Regexp, error) {
	stream, err := env.Client.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: container, Follow: true}).Stream(ctx)
	if err != nil {
		return "", nil, err
	}
	defer stream.Close()
	sc := bufio.NewScanner(stream)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if failure != nil && failure.MatchString(line) {
			return line, failure, nil
		}
		if success.MatchString(line) {
			return line, success, nil
		}
	}
	return "", nil, sc.Err()
}

// maxJournalledOutput bounds the output of a command kept in the journal.
const maxJournalledOutput = 64 * 1024

// execCommand runs a command on this machine (helm, istioctl, a vendor's
// deploy tool); what it prints is journalled.
func (env *Env) execCommand(ctx context.Context, st plan.Step) error {
	a := st.Action
	if len(a.Command) == 0 {
		return fmt.Errorf("step %s: no command", st.ID)
	}
	line := strings.Join(a.Command, " ")
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Message: "run " + line}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, actionTimeout(st))
	defer cancel()
	cmd := exec.CommandContext(ctx, a.Command[0], a.Command[1:]...)
	cmd.Dir = a.Dir
	cmd.Env = append(os.Environ(), a.Env...)
	if strings.HasPrefix(st.Object, "CronJob ") {
		// A command about a CronJob's run gets the Job this run created
		// from it (KUBEHOP_JOB); a backup's copy also as
		// KUBEHOP_BACKUP_JOB, unless the plan names the backup (a
		// restore does).
		var rec JobRecord
		if ok, err := env.original(JobObject(st.Object), &rec); err != nil {
			return err
		} else if ok {
			cmd.Env = append(cmd.Env, "KUBEHOP_JOB="+rec.Name)
			if !slices.ContainsFunc(a.Env, func(kv string) bool { return strings.HasPrefix(kv, "KUBEHOP_BACKUP_JOB=") }) {
				cmd.Env = append(cmd.Env, "KUBEHOP_BACKUP_JOB="+rec.Name)
			}
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	kept := out.Bytes()
	if len(kept) > maxJournalledOutput {
		kept = kept[len(kept)-maxJournalledOutput:]
	}
	env.note(st.ID, "", "output of "+line, string(kept))
	for _, l := range lastLines(out.String(), 5) {
		env.report(EventWait, st.ID, "", "%s", l)
	}
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", line, err, strings.Join(lastLines(out.String(), 20), "\n"))
	}
	return nil
}

func lastLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines[max(0, len(lines)-n):]
}

// ApprovalsConfigMap is the ConfigMap in kube-system where kubehop approve
// records approvals, one key per step (its ID with "/" as "."), for the
// profile's cluster: any machine that can reach the cluster may approve.
func ApprovalsConfigMap(cluster string) string { return "kubehop-approvals-" + cluster }

// ApprovalKey is the ConfigMap key of a step's approval.
func ApprovalKey(step string) string { return strings.ReplaceAll(step, "/", ".") }

// approve waits until the step's approval is in the cluster's approvals
// ConfigMap, and journals who gave it.
func (env *Env) approve(ctx context.Context, st plan.Step) error {
	if env.Approvals == "" {
		return fmt.Errorf("step %s waits for an approval, but this run has no approvals ConfigMap", st.ID)
	}
	env.report(EventGate, st.ID, "", "waiting for a person: %s. Approve with: kubehop approve --step %s", st.Action.Message, st.ID)
	var by string
	err := wait.PollUntilContextCancel(ctx, 2*time.Second, true, func(ctx context.Context) (bool, error) {
		cm, err := env.Client.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, env.Approvals, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		by = cm.Data[ApprovalKey(st.ID)]
		return by != "", nil
	})
	if err != nil {
		return err
	}
	env.note(st.ID, "", "approved: "+by, nil)
	env.report(EventGate, st.ID, "", "approved: %s", by)
	return nil
}

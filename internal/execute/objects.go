package execute

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
)

// LabelsObject is the journal's record of the labels a KindLabel step
// replaced on an object: each key's value before, nil when it was absent.
func LabelsObject(object string) string { return "labels " + object }

// resource is the dynamic client of a step's object.
func (env *Env) resource(st plan.Step) (dynamic.ResourceInterface, string, error) {
	if env.Objects == nil {
		return nil, "", fmt.Errorf("step %s needs the cluster's dynamic client", st.ID)
	}
	kind, ns, name := cutObject(st.Object)
	ri, err := env.Objects.Resource(st.Action.APIVersion, kind, ns)
	return ri, name, err
}

func (env *Env) label(ctx context.Context, st plan.Step) error {
	ri, name, err := env.resource(st)
	if err != nil {
		return err
	}
	obj, err := ri.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read %s: %w", st.Object, err)
	}
	current := obj.GetLabels()
	before := map[string]*string{}
	for k := range st.Action.Labels {
		if v, ok := current[k]; ok {
			before[k] = &v
		} else {
			before[k] = nil
		}
	}
	if err := env.record(st.ID, LabelsObject(st.Object), before); err != nil {
		return err
	}
	patch := map[string]any{}
	var words []string
	for _, k := range slices.Sorted(maps.Keys(st.Action.Labels)) {
		v := st.Action.Labels[k]
		if v == "" {
			patch[k] = nil
			words = append(words, k+"-")
		} else {
			patch[k] = v
			words = append(words, k+"="+v)
		}
	}
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": patch}})
	if err != nil {
		return err
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object, Message: "label " + strings.Join(words, " ")}); err != nil {
		return err
	}
	if _, err := ri.Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("label %s: %w", st.Object, err)
	}
	return nil
}

func (env *Env) patch(ctx context.Context, st plan.Step) error {
	ri, name, err := env.resource(st)
	if err != nil {
		return err
	}
	pt := types.MergePatchType
	if st.Action.PatchType == "strategic" {
		pt = types.StrategicMergePatchType
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object, Message: "patch " + st.Action.Patch}); err != nil {
		return err
	}
	if _, err := ri.Patch(ctx, name, pt, []byte(st.Action.Patch), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("patch %s: %w", st.Object, err)
	}
	return nil
}

func (env *Env) deleteObject(ctx context.Context, st plan.Step) error {
	ri, name, err := env.resource(st)
	if err != nil {
		return err
	}
	obj, err := ri.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil // deleted already
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", st.Object, err)
	}
	data, err := json.Marshal(obj.Object)
	if err != nil {
		return err
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object, Message: "delete", Data: data}); err != nil {
		return err
	}
	if err := ri.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %s: %w", st.Object, err)
	}
	return nil
}

// podsMatch waits until every Running pod of the step's namespaces has the
// labels and the container image it names.
func (env *Env) podsMatch(ctx context.Context, st plan.Step) error {
	a := st.Action
	var last string
	err := wait.PollUntilContextTimeout(ctx, time.Second, actionTimeout(st), true, func(ctx context.Context) (bool, error) {
		var wrong []string
		for _, ns := range a.Namespaces {
			pods, err := env.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: a.Selector})
			if err != nil {
				return false, nil
			}
			for _, p := range pods.Items {
				if p.DeletionTimestamp != nil || p.Status.Phase == "Succeeded" || p.Status.Phase == "Failed" {
					continue
				}
				if why := podMismatch(p.Labels, p.Spec.Containers, a); why != "" {
					wrong = append(wrong, ns+"/"+p.Name+": "+why)
				}
			}
		}
		if len(wrong) > 0 {
			last = fmt.Sprintf("%d pod(s) do not match, such as %s", len(wrong), wrong[0])
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", last, err)
	}
	env.note(st.ID, "", "every pod matches", nil)
	return nil
}

func podMismatch(labels map[string]string, containers []corev1.Container, a *plan.Action) string {
	for k, v := range a.Labels {
		if labels[k] != v {
			return fmt.Sprintf("label %s is %q, want %q", k, labels[k], v)
		}
	}
	if a.Container == "" {
		return ""
	}
	for _, c := range containers {
		if c.Name != a.Container {
			continue
		}
		if strings.HasPrefix(a.Image, ":") && strings.HasSuffix(c.Image, a.Image) || c.Image == a.Image {
			return ""
		}
		return fmt.Sprintf("container %s runs %s, want %s", c.Name, c.Image, a.Image)
	}
	return "no container " + a.Container
}

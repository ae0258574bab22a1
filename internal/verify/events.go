package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
)

// maxObjects bounds the objects an event summary names.
const maxObjects = 5

// Events summarises the Warning events since a time, grouped by reason
// and the kind of object, most frequent first.
func Events(ctx context.Context, client kubernetes.Interface, since time.Time) ([]EventSummary, error) {
	groups := map[string]*EventSummary{}
	opts := metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("type", corev1.EventTypeWarning).String(), Limit: 500}
	for {
		list, err := client.CoreV1().Events(metav1.NamespaceAll).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list Warning events: %w", err)
		}
		for _, e := range list.Items {
			last := lastSeen(e)
			if last.Before(since) {
				continue
			}
			key := e.Reason + "\x00" + e.InvolvedObject.Kind
			g := groups[key]
			if g == nil {
				g = &EventSummary{Reason: e.Reason, Kind: e.InvolvedObject.Kind}
				groups[key] = g
			}
			g.Count += max(e.Count, 1)
			if e.Series != nil {
				g.Count += e.Series.Count - 1
			}
			name := e.InvolvedObject.Name
			if e.InvolvedObject.Namespace != "" {
				name = e.InvolvedObject.Namespace + "/" + name
			}
			if !slices.Contains(g.Objects, name) && len(g.Objects) < maxObjects {
				g.Objects = append(g.Objects, name)
			}
			if last.After(g.Last) {
				g.Last, g.Message = last, strings.TrimSpace(e.Message)
			}
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	var out []EventSummary
	for _, k := range sortedKeys(groups) {
		slices.Sort(groups[k].Objects)
		out = append(out, *groups[k])
	}
	slices.SortStableFunc(out, func(a, b EventSummary) int { return int(b.Count - a.Count) })
	return out, nil
}

// lastSeen is when an event last happened, whichever field its reporter
// set.
func lastSeen(e corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

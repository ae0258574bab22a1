package appcmd

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/profile"
)

// readApp reads what the plans start from: the image of each container of
// the application's workload (by container name) and the replicas of the
// application and the others ("StatefulSet ns/name").
func readApp(ctx context.Context, client kubernetes.Interface, a *profile.App) (map[string]string, map[string]int32, error) {
	images := map[string]string{}
	replicas := map[string]int32{}
	for i, w := range append([]string{a.Workload}, a.Others...) {
		kind, name, err := profile.ParseWorkload(w)
		if err != nil {
			return nil, nil, err
		}
		var spec *corev1.PodSpec
		var n *int32
		switch kind {
		case "StatefulSet":
			s, err := client.AppsV1().StatefulSets(a.Namespace).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, nil, fmt.Errorf("read %s in %s: %w", w, a.Namespace, err)
			}
			spec, n = &s.Spec.Template.Spec, s.Spec.Replicas
		case "Deployment":
			d, err := client.AppsV1().Deployments(a.Namespace).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, nil, fmt.Errorf("read %s in %s: %w", w, a.Namespace, err)
			}
			spec, n = &d.Spec.Template.Spec, d.Spec.Replicas
		}
		if n != nil {
			replicas[kind+" "+a.Namespace+"/"+name] = *n
		}
		if i == 0 {
			for _, c := range append(spec.InitContainers, spec.Containers...) {
				images[c.Name] = c.Image
			}
			if _, ok := images[a.Container]; !ok {
				return nil, nil, fmt.Errorf("%s in %s has no container %s", w, a.Namespace, a.Container)
			}
		}
	}
	return images, replicas, nil
}

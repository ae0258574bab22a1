package profile

import "fmt"

// Mesh describes the cluster's Istio (or Anthos Service Mesh) for kubehop
// mesh upgrade: a canary upgrade by revision.
type Mesh struct {
	// Namespace is the control plane's namespace (istio-system).
	Namespace string `yaml:"namespace,omitempty"`
	// Gateways are restarted before the workloads
	// ("namespace/Deployment/name"); by default the Deployments labelled
	// istio=ingressgateway or istio=egressgateway.
	Gateways []string `yaml:"gateways,omitempty"`
	// Install installs the new revision when it is not running yet: the
	// pinned installer (istioctl, asmcli) with KUBEHOP_REVISION in its
	// environment.
	Install []string `yaml:"install,omitempty"`
	// ApproveCleanup waits for kubehop approve before the old revision is
	// deleted.
	ApproveCleanup bool `yaml:"approveCleanup,omitempty"`
}

// MeshNamespace is the mesh control plane's namespace.
func (m *Mesh) MeshNamespace() string {
	if m == nil || m.Namespace == "" {
		return "istio-system"
	}
	return m.Namespace
}

func (p *Profile) validateMesh(fail func(field, format string, args ...any) error) error {
	if p.Mesh == nil {
		return nil
	}
	for i, g := range p.Mesh.Gateways {
		if _, _, _, err := SplitWorkload(g); err != nil {
			return fail(fmt.Sprintf("mesh.gateways[%d]", i), "%v", err)
		}
	}
	return nil
}

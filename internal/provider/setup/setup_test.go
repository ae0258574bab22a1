package setup_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kubehop/kubehop/internal/profile"
	"github.com/kubehop/kubehop/internal/provider/aks"
	"github.com/kubehop/kubehop/internal/provider/aks/akstest"
	"github.com/kubehop/kubehop/internal/provider/anthosbm"
	"github.com/kubehop/kubehop/internal/provider/eks/ekstest"
	"github.com/kubehop/kubehop/internal/provider/gke"
	"github.com/kubehop/kubehop/internal/provider/gke/gketest"
	"github.com/kubehop/kubehop/internal/provider/kubeadm"
	"github.com/kubehop/kubehop/internal/provider/setup"
)

func load(t *testing.T, body string) *profile.Profile {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubehop.yaml")
	data := "apiVersion: kubehop.dev/v1alpha1\nkind: Profile\ncluster: {name: vantiq-prod, uid: u}\ntarget: \"1.24\"\npools: []\n" + body
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestEKSFromProfile: the profile's region, cluster name and endpoint reach
// the real SDK client, which reads the cluster from a server speaking EKS's
// wire format.
func TestEKSFromProfile(t *testing.T) {
	s := ekstest.New()
	defer s.Close()
	p := load(t, "provider: eks\neks: {region: "+ekstest.Region+", endpoint: \""+s.URL+"\"}\n")
	provs, err := setup.For(testContext(t), p, setup.Options{AWS: func(o *awseks.Options) {
		o.Credentials = ekstest.Credentials
		o.HTTPClient = s.HTTPClient()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer provs.Close()
	if provs.Nodes != nil || provs.Cloud == nil || provs.Cloud.Name() != "eks" {
		t.Fatalf("providers %+v", provs)
	}
	info, err := provs.Cloud.Describe(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != ekstest.ClusterName || len(info.Pools) == 0 {
		t.Errorf("described %+v", info)
	}
}

// TestAKSFromProfile: subscription, resource group, name and the ARM
// endpoint come from the profile; the audience stays the cloud's.
func TestAKSFromProfile(t *testing.T) {
	s := akstest.New()
	defer s.Close()
	p := load(t, "provider: aks\naks: {subscription: "+akstest.SubscriptionID+", resourceGroup: "+akstest.ResourceGroup+", name: "+akstest.ClusterName+", endpoint: \""+s.URL+"\"}\n")
	opts := s.ClientOptions()
	provs, err := setup.For(testContext(t), p, setup.Options{AzureCredential: akstest.Credential,
		Azure: &arm.ClientOptions{ClientOptions: policy.ClientOptions{Cloud: opts.Cloud, Transport: opts.Transport, Retry: opts.Retry}}})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := provs.Cloud.(*aks.AKS)
	if !ok || a.Cluster() != akstest.ClusterName {
		t.Fatalf("providers %+v", provs)
	}
	info, err := a.Describe(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != akstest.ClusterName || len(info.Pools) == 0 {
		t.Errorf("described %+v", info)
	}
}

// TestBareMetalAndKubeadmFromProfile: paths are the profile's, relative
// to its directory; the kubeadm runner is ssh unless local is asked for.
func TestBareMetalAndKubeadmFromProfile(t *testing.T) {
	p := load(t, "provider: anthos-bm\nanthosBM: {version: 1.16.0, bmctl: ./bin/bmctl, workdir: baremetal, name: vantiq}\n")
	provs, err := setup.For(testContext(t), p, setup.Options{Kubeconfig: "/k/config"})
	if err != nil {
		t.Fatal(err)
	}
	b := provs.Cloud.(*anthosbm.BareMetal)
	dir := filepath.Dir(p.File())
	if b.Bmctl != filepath.Join(dir, "bin", "bmctl") || b.Workdir != filepath.Join(dir, "baremetal") || b.Kubeconfig != "/k/config" || b.Cluster != "vantiq" {
		t.Errorf("bare metal %+v", b)
	}

	p = load(t, "provider: kubeadm\nkubeadm: {controlPlanes: [cp-1], hosts: {node-a: 10.0.0.5}, ssh: {user: ops}, version: 1.24.7}\n")
	provs, err = setup.For(testContext(t), p, setup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := provs.Nodes.(*kubeadm.Nodes)
	if ssh, ok := n.Runner.(kubeadm.SSH); !ok || ssh.User != "ops" || n.Hosts["node-a"] != "10.0.0.5" || n.Version != "1.24.7" || n.ControlPlanes[0] != "cp-1" {
		t.Errorf("kubeadm %+v", n)
	}
}

// TestGKEFromProfile: project, location, name and endpoint come from the
// profile; the test adds the plain-text loopback connection.
func TestGKEFromProfile(t *testing.T) {
	s := gketest.Start(t)
	p := load(t, "provider: gke\ngke: {project: "+gketest.Project+", location: "+gketest.Location+", endpoint: \""+s.Addr+"\"}\n")
	provs, err := setup.For(testContext(t), p, setup.Options{Google: []option.ClientOption{
		option.WithoutAuthentication(), option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}})
	if err != nil {
		t.Fatal(err)
	}
	defer provs.Close()
	g, ok := provs.Cloud.(*gke.GKE)
	if !ok || g.Cluster() != gketest.ClusterPath {
		t.Fatalf("providers %+v", provs)
	}
	info, err := g.Describe(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != gketest.MasterVersion || len(info.Pools) == 0 {
		t.Errorf("described %+v", info)
	}
}

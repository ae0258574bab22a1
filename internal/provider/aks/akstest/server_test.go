package akstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	testClusterPath = "/subscriptions/" + SubscriptionID + "/resourceGroups/" + ResourceGroup + "/providers/Microsoft.ContainerService/managedClusters/" + ClusterName
	testPoolsPath   = testClusterPath + "/agentPools"
)

// rawRequest is a request sent without the SDK.
type rawRequest struct {
	method, path, body string
	// query replaces the default api-version=APIVersion.
	query url.Values
	// token replaces the bearer token; "-" sends none.
	token   string
	ifMatch string
}

// answer is a raw answer: status, headers and the JSON body.
type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func do(t *testing.T, s *Server, r rawRequest) answer {
	t.Helper()
	u := r.path
	if !strings.HasPrefix(u, "https://") {
		q := r.query
		if q == nil {
			q = url.Values{"api-version": {APIVersion}}
		}
		u = s.URL + r.path + "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(t.Context(), r.method, u, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	switch r.token {
	case "":
		req.Header.Set("Authorization", "Bearer "+Token)
	case "-":
	default:
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.ifMatch != "" {
		req.Header.Set("If-Match", r.ifMatch)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", r.method, r.path, err)
	}
	return a
}

// errorCode is an ARM error answer's code, "" when the body is not one.
func (a answer) errorCode() string {
	e, _ := a.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	if msg, _ := e["message"].(string); code != "" && msg == "" {
		return code + " (without a message)"
	}
	return code
}

// busyCluster starts an operation on the cluster, as another client would.
func busyCluster(s *Server) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start("", stateUpgrading)
}

// TestErrorShapes checks error answers against ARM's: status code and an
// {"error": {"code", "message"}} body.
func TestErrorShapes(t *testing.T) {
	tests := []struct {
		name   string
		req    rawRequest
		setup  func(*Server)
		status int
		code   string
	}{
		{name: "no token", req: rawRequest{method: "GET", path: testClusterPath, token: "-"}, status: 401, code: "AuthenticationFailed"},
		{name: "wrong token", req: rawRequest{method: "GET", path: testClusterPath, token: "stolen"}, status: 401, code: "InvalidAuthenticationToken"},
		{name: "no api-version", req: rawRequest{method: "GET", path: testClusterPath, query: url.Values{}}, status: 400, code: "MissingApiVersionParameter"},
		{name: "other api-version", req: rawRequest{method: "GET", path: testClusterPath, query: url.Values{"api-version": {"2023-01-01"}}}, status: 400, code: "InvalidApiVersionParameter"},
		{name: "unknown subscription", req: rawRequest{method: "GET", path: strings.Replace(testClusterPath, SubscriptionID, "00000000-0000-0000-0000-000000000000", 1)}, status: 404, code: "SubscriptionNotFound"},
		{name: "unknown resource group", req: rawRequest{method: "GET", path: strings.Replace(testClusterPath, ResourceGroup, "rg-other", 1)}, status: 404, code: "ResourceGroupNotFound"},
		{name: "unknown cluster", req: rawRequest{method: "GET", path: testClusterPath + "x"}, status: 404, code: "ResourceNotFound"},
		{name: "unknown pool", req: rawRequest{method: "GET", path: testPoolsPath + "/default"}, status: 404, code: "NotFound"},
		{name: "unknown route", req: rawRequest{method: "DELETE", path: testClusterPath}, status: 404, code: "NoRegisteredProviderFound"},
		{
			name: "skipped minor", req: rawRequest{method: "PUT", path: testClusterPath, body: `{"location":"japaneast","properties":{"kubernetesVersion":"1.24"}}`},
			status: 400, code: "OperationNotAllowed",
		},
		{
			name: "downgrade", req: rawRequest{method: "PUT", path: testClusterPath, body: `{"location":"japaneast","properties":{"kubernetesVersion":"1.22.11"}}`},
			status: 400, code: "OperationNotAllowed",
		},
		{
			name: "pool newer than the control plane", req: rawRequest{method: "PUT", path: testPoolsPath + "/mongodb", body: `{"properties":{"orchestratorVersion":"1.23"}}`},
			status: 400, code: "NodePoolMcVersionIncompatible",
		},
		{
			name: "pool newer than the control plane, by a cluster PUT", req: rawRequest{method: "PUT", path: testClusterPath,
				body: `{"location":"japaneast","properties":{"kubernetesVersion":"1.22.15","agentPoolProfiles":[{"name":"vantiq","orchestratorVersion":"1.23.12"}]}}`},
			status: 400, code: "NodePoolMcVersionIncompatible",
		},
		{
			name: "bad max surge", req: rawRequest{method: "PUT", path: testPoolsPath + "/mongodb", body: `{"properties":{"upgradeSettings":{"maxSurge":"150%"}}}`},
			status: 400, code: "InvalidParameter",
		},
		{
			name: "bad drain timeout", req: rawRequest{method: "PUT", path: testPoolsPath + "/mongodb", body: `{"properties":{"upgradeSettings":{"drainTimeoutInMinutes":0}}}`},
			status: 400, code: "InvalidParameter",
		},
		{
			name: "stale If-Match", req: rawRequest{method: "PUT", path: testClusterPath, ifMatch: "stale", body: `{"location":"japaneast","properties":{"kubernetesVersion":"1.23"}}`},
			status: 412, code: "PreconditionFailed",
		},
		{
			name: "operation in flight", req: rawRequest{method: "PUT", path: testPoolsPath + "/mongodb", body: `{"properties":{"orchestratorVersion":"1.22.15"}}`},
			setup: busyCluster, status: 409, code: "OperationNotAllowed",
		},
		{
			name: "throttled", req: rawRequest{method: "GET", path: testPoolsPath},
			setup: func(s *Server) { s.Throttle(OpListPools, 1) }, status: 429, code: "TooManyRequests",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			if tt.setup != nil {
				tt.setup(s)
			}
			got := do(t, s, tt.req)
			if got.status != tt.status || got.errorCode() != tt.code {
				t.Errorf("answer %d %s, want %d %s: %v", got.status, got.errorCode(), tt.status, tt.code, got.body)
			}
			if tt.status == 429 && (got.header.Get("Retry-After") != "1" || got.header.Get("x-ms-retry-after-ms") != "20") {
				t.Errorf("throttled without Retry-After: %v", got.header)
			}
			if s.Cluster().KubernetesVersion != StartVersion || len(s.Operations()) > 1 {
				t.Errorf("a refused request changed the state: %+v, operations %v", s.Cluster(), s.Operations())
			}
		})
	}
}

// TestOperationLifecycle follows a PUT on the wire: 200 with the resource
// Upgrading and an Azure-AsyncOperation URL, whose status stays
// InProgress for PollsToFinish reads and then is Succeeded with the change
// applied, or Failed with the scripted error.
func TestOperationLifecycle(t *testing.T) {
	for _, fail := range []bool{false, true} {
		s := Start(t)
		s.PollsToFinish = 1
		if fail {
			s.FailNextOperation("", "UpgradeFailed", "scripted failure")
		}
		put := do(t, s, rawRequest{method: "PUT", path: testClusterPath, body: `{"location":"japaneast","properties":{"kubernetesVersion":"1.23"}}`})
		props, _ := put.body["properties"].(map[string]any)
		status := put.header.Get("Azure-AsyncOperation")
		if put.status != 200 || props["provisioningState"] != "Upgrading" || props["kubernetesVersion"] != "1.23" || !strings.HasPrefix(status, s.URL) {
			t.Fatalf("PUT answered %d %v, Azure-AsyncOperation %q", put.status, props, status)
		}
		var statuses []any
		var last answer
		for range 2 {
			last = do(t, s, rawRequest{method: "GET", path: status})
			statuses = append(statuses, last.body["status"])
		}
		want := map[bool]string{false: "Succeeded", true: "Failed"}[fail]
		if statuses[0] != "InProgress" || statuses[1] != want || last.body["endTime"] == nil {
			t.Errorf("statuses = %v, last %v", statuses, last.body)
		}
		c := s.Cluster()
		if !fail && (c.CurrentKubernetesVersion != "1.23.15" || c.ProvisioningState != "Succeeded") {
			t.Errorf("after success: %+v", c)
		}
		if fail && (last.errorCode() != "UpgradeFailed" || c.CurrentKubernetesVersion != StartVersion || c.ProvisioningState != "Failed") {
			t.Errorf("after failure: %+v, status %v", c, last.body)
		}
	}
}

// TestClusterPutMovesChangedPools: a cluster PUT that changes a pool's
// orchestratorVersion upgrades that pool with the control plane, which is
// why kubehop's control-plane-only PUT keeps them.
func TestClusterPutMovesChangedPools(t *testing.T) {
	s := Start(t)
	s.PollsToFinish = 0
	put := do(t, s, rawRequest{method: "PUT", path: testClusterPath,
		body: `{"location":"japaneast","properties":{"kubernetesVersion":"1.23","agentPoolProfiles":[{"name":"vantiq","orchestratorVersion":"1.23"},{"name":"mongodb","orchestratorVersion":"1.22.15"}]}}`})
	if put.status != 200 {
		t.Fatalf("PUT answered %d %v", put.status, put.body)
	}
	do(t, s, rawRequest{method: "GET", path: put.header.Get("Azure-AsyncOperation")})
	if p, _ := s.Pool(PoolVantiq); p.CurrentOrchestratorVersion != "1.23.15" {
		t.Errorf("vantiq = %+v, want it moved with the control plane", p)
	}
	if p, _ := s.Pool(PoolMongoDB); p.CurrentOrchestratorVersion != StartVersion {
		t.Errorf("mongodb = %+v, want it left alone", p)
	}
}

// TestPoolListPaging follows nextLink through the agent pool list.
func TestPoolListPaging(t *testing.T) {
	s := Start(t)
	var names []string
	next := testPoolsPath
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("nextLink never ends")
		}
		got := do(t, s, rawRequest{method: "GET", path: next})
		values, _ := got.body["value"].([]any)
		for _, v := range values {
			names = append(names, v.(map[string]any)["name"].(string))
		}
		next, _ = got.body["nextLink"].(string)
	}
	if strings.Join(names, ",") != "vantiq,mongodb,keycloak,grafana,metrics" {
		t.Errorf("pools = %v", names)
	}
}

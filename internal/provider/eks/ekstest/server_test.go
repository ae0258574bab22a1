package ekstest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// do sends a raw request, SigV4-signed for eks in Region unless unsigned,
// and returns the status, the X-Amzn-ErrorType header and the JSON body.
func do(t *testing.T, s *Server, method, path, body string, unsigned bool) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if !unsigned {
		creds, _ := Credentials.Retrieve(t.Context())
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), "eks", Region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), out
}

// TestErrorShapes checks the error answers against the EKS protocol:
// status code, X-Amzn-ErrorType header, "__type" and "message" members
// and the resource names the error shapes carry.
func TestErrorShapes(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		body         string
		unsigned     bool
		setup        func(*Server)
		status       int
		errType      string
		members      map[string]any
	}{
		{
			name: "unsigned", method: "GET", path: "/clusters/" + ClusterName, unsigned: true,
			status: 403, errType: "MissingAuthenticationTokenException",
		},
		{
			name: "unknown cluster", method: "GET", path: "/clusters/other",
			status: 404, errType: "ResourceNotFoundException", members: map[string]any{"clusterName": "other"},
		},
		{
			name: "unknown node group", method: "GET", path: "/clusters/" + ClusterName + "/node-groups/grafana",
			status: 404, errType: "ResourceNotFoundException", members: map[string]any{"clusterName": ClusterName, "nodegroupName": "grafana"},
		},
		{
			name: "unknown operation", method: "DELETE", path: "/clusters/" + ClusterName + "/updates",
			status: 404, errType: "UnknownOperationException",
		},
		{
			name: "skipped minor", method: "POST", path: "/clusters/" + ClusterName + "/updates", body: `{"version":"1.25"}`,
			status: 400, errType: "InvalidParameterException", members: map[string]any{"clusterName": ClusterName},
		},
		{
			name: "throttled", method: "GET", path: "/clusters/" + ClusterName + "/addons",
			setup:  func(s *Server) { s.FailNext("ListAddons", 1, "ThrottlingException") },
			status: 429, errType: "ThrottlingException",
		},
		{
			name: "update in flight", method: "POST", path: "/clusters/" + ClusterName + "/updates", body: `{"version":"1.24"}`,
			setup: func(s *Server) {
				s.mu.Lock()
				defer s.mu.Unlock()
				s.start(Scope{}, "VersionUpdate", "")
			},
			status: 409, errType: "ResourceInUseException", members: map[string]any{"clusterName": ClusterName},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			if tt.setup != nil {
				tt.setup(s)
			}
			status, header, body := do(t, s, tt.method, tt.path, tt.body, tt.unsigned)
			if status != tt.status || header != tt.errType || body["__type"] != tt.errType {
				t.Errorf("answer %d, header %q, __type %v; want %d %s", status, header, body["__type"], tt.status, tt.errType)
			}
			if msg, _ := body["message"].(string); msg == "" {
				t.Errorf("no message in %v", body)
			}
			for k, v := range tt.members {
				if body[k] != v {
					t.Errorf("%s = %v, want %v", k, body[k], v)
				}
			}
		})
	}
}

// TestUpdateLifecycle follows an update on the wire: InProgress for
// PollsToFinish answers, then Successful with the change applied; the
// same clientRequestToken returns the same update.
func TestUpdateLifecycle(t *testing.T) {
	s := Start(t)
	s.PollsToFinish = 1
	path := "/clusters/" + ClusterName + "/updates"
	body := `{"version":"1.24","clientRequestToken":"tok-1"}`
	_, _, first := do(t, s, "POST", path, body, false)
	_, _, again := do(t, s, "POST", path, body, false)
	u, _ := first["update"].(map[string]any)
	id, _ := u["id"].(string)
	if id == "" || u["status"] != "InProgress" || u["type"] != "VersionUpdate" {
		t.Fatalf("update = %v", u)
	}
	if a, _ := again["update"].(map[string]any); a["id"] != id {
		t.Errorf("same token gave update %v, want %s", a["id"], id)
	}
	var statuses []any
	for range 2 {
		_, _, got := do(t, s, "GET", path+"/"+id, "", false)
		statuses = append(statuses, got["update"].(map[string]any)["status"])
	}
	if statuses[0] != "InProgress" || statuses[1] != "Successful" {
		t.Errorf("statuses = %v", statuses)
	}
	if v := s.ClusterVersion(); v != "1.24" {
		t.Errorf("cluster at %s after the update", v)
	}
	// A cluster update is not found in a node group's scope.
	status, errType, _ := do(t, s, "GET", path+"/"+id+"?nodegroupName=vantiq", "", false)
	if status != 404 || errType != "ResourceNotFoundException" {
		t.Errorf("node group scope: %d %s", status, errType)
	}
}

// createBody is a CreateNodegroup body with the required members and
// extra ones (JSON members, comma first).
func createBody(name, extra string) string {
	return `{"nodegroupName":"` + name + `","nodeRole":"` + NodeRole + `","subnets":["` + Subnets[0] + `"]` + extra + `}`
}

// TestCreateNodegroupRefused checks CreateNodegroup's refusals on the
// wire: status, error type, message, and the node group named.
func TestCreateNodegroupRefused(t *testing.T) {
	lt := `,"launchTemplate":{"id":"lt-0d1e2f3a4b5c6d7e8","version":"3"}`
	tests := []struct {
		name    string
		body    string
		status  int
		errType string
		msg     string
	}{
		{name: "disk size with a launch template", body: createBody("containerd", lt+`,"diskSize":100`),
			status: 400, errType: "InvalidParameterException", msg: "Disk size must be specified within the launch template."},
		{name: "remote access with a launch template", body: createBody("containerd", lt+`,"remoteAccess":{"ec2SshKey":"`+SSHKey+`"}`),
			status: 400, errType: "InvalidParameterException", msg: "Remote access configuration cannot be specified with a launch template."},
		{name: "launch template without ID or name", body: createBody("containerd", `,"launchTemplate":{"version":"3"}`),
			status: 400, errType: "InvalidParameterException", msg: "must be specified"},
		{name: "launch template ID and name", body: createBody("containerd", `,"launchTemplate":{"id":"lt-0d1e2f3a4b5c6d7e8","name":"containerd"}`),
			status: 400, errType: "InvalidParameterException", msg: "cannot both be specified"},
		{name: "no node role", body: `{"nodegroupName":"containerd","subnets":["` + Subnets[0] + `"]}`,
			status: 400, errType: "InvalidParameterException", msg: "nodeRole"},
		{name: "no subnets", body: `{"nodegroupName":"containerd","nodeRole":"` + NodeRole + `","subnets":[]}`,
			status: 400, errType: "InvalidParameterException", msg: "subnets"},
		{name: "exists", body: createBody("vantiq", ""),
			status: 409, errType: "ResourceInUseException", msg: "NodeGroup already exists with name vantiq and cluster name " + ClusterName},
		{name: "not the cluster's version", body: createBody("containerd", `,"version":"1.22"`),
			status: 400, errType: "InvalidParameterException", msg: "1.22"},
		{name: "part of a scaling config", body: createBody("containerd", `,"scalingConfig":{"desiredSize":2}`),
			status: 400, errType: "InvalidParameterException", msg: "scalingConfig"},
		{name: "max size 0", body: createBody("containerd", `,"scalingConfig":{"minSize":0,"maxSize":0,"desiredSize":0}`),
			status: 400, errType: "InvalidParameterException", msg: "maxSize"},
		{name: "taint effect", body: createBody("containerd", `,"taints":[{"key":"dedicated","effect":"NoSchedule"}]`),
			status: 400, errType: "InvalidParameterException", msg: "NO_SCHEDULE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			status, header, body := do(t, s, "POST", "/clusters/"+ClusterName+"/node-groups", tt.body, false)
			if status != tt.status || header != tt.errType || body["__type"] != tt.errType {
				t.Errorf("answer %d, header %q, __type %v; want %d %s", status, header, body["__type"], tt.status, tt.errType)
			}
			if msg, _ := body["message"].(string); !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q, want %q in it", msg, tt.msg)
			}
			if body["clusterName"] != ClusterName {
				t.Errorf("clusterName = %v", body["clusterName"])
			}
			if _, ok := s.Nodegroup("containerd"); ok {
				t.Error("the node group was created")
			}
		})
	}
}

// TestNodegroupLifecycle follows a node group on the wire: CREATING for
// PollsToFinish answers, then ACTIVE; its token answers it again; DELETING
// for PollsToFinish answers, then gone. OnNodegroupSize hears of both
// ends, and of scaling and version updates in between.
func TestNodegroupLifecycle(t *testing.T) {
	s := Start(t)
	s.PollsToFinish = 1
	var sizes []string
	s.OnNodegroupSize = func(nodegroup string, desired int, version string) {
		// Outside the lock: the accessors work.
		st, _ := s.Nodegroup(nodegroup)
		sizes = append(sizes, fmt.Sprintf("%s %d %s (%s)", nodegroup, desired, version, st.Status))
	}
	path := "/clusters/" + ClusterName + "/node-groups"
	body := createBody("containerd", `,"clientRequestToken":"tok-1","scalingConfig":{"minSize":1,"maxSize":4,"desiredSize":2},"launchTemplate":{"name":"containerd"}`)
	status, _, created := do(t, s, "POST", path, body, false)
	ng, _ := created["nodegroup"].(map[string]any)
	if status != 200 || ng["status"] != "CREATING" || ng["version"] != "1.23" || ng["releaseVersion"] != "1.23.17-20230825" {
		t.Fatalf("create: %d %v", status, created)
	}
	for _, absent := range []string{"diskSize", "remoteAccess", "instanceTypes"} {
		if v, ok := ng[absent]; ok {
			t.Errorf("a node group with a launch template has %s %v", absent, v)
		}
	}
	if _, _, again := do(t, s, "POST", path, body, false); again["nodegroup"].(map[string]any)["nodegroupArn"] != ng["nodegroupArn"] {
		t.Errorf("the same token answered %v", again)
	}
	var seen []any
	for range 2 {
		_, _, got := do(t, s, "GET", path+"/containerd", "", false)
		seen = append(seen, got["nodegroup"].(map[string]any)["status"])
	}
	if fmt.Sprint(seen) != "[CREATING ACTIVE]" {
		t.Errorf("statuses while creating: %v", seen)
	}

	// A scaling, then (with the control plane at 1.24) a version update.
	s.PollsToFinish = 0
	_, _, u := do(t, s, "POST", path+"/containerd/update-config", `{"scalingConfig":{"minSize":0,"maxSize":4,"desiredSize":0}}`, false)
	id := u["update"].(map[string]any)["id"].(string)
	do(t, s, "GET", "/clusters/"+ClusterName+"/updates/"+id+"?nodegroupName=containerd", "", false)
	_, _, u = do(t, s, "POST", "/clusters/"+ClusterName+"/updates", `{"version":"1.24"}`, false)
	do(t, s, "GET", "/clusters/"+ClusterName+"/updates/"+u["update"].(map[string]any)["id"].(string), "", false)
	_, _, u = do(t, s, "POST", path+"/containerd/update-version", `{}`, false)
	do(t, s, "GET", "/clusters/"+ClusterName+"/updates/"+u["update"].(map[string]any)["id"].(string)+"?nodegroupName=containerd", "", false)

	s.PollsToFinish = 1
	status, _, deleted := do(t, s, "DELETE", path+"/containerd", "", false)
	if status != 200 || deleted["nodegroup"].(map[string]any)["status"] != "DELETING" {
		t.Fatalf("delete: %d %v", status, deleted)
	}
	if status, errType, _ := do(t, s, "DELETE", path+"/containerd", "", false); status != 409 || errType != "ResourceInUseException" {
		t.Errorf("delete while deleting: %d %s", status, errType)
	}
	_, _, got := do(t, s, "GET", path+"/containerd", "", false)
	if got["nodegroup"].(map[string]any)["status"] != "DELETING" {
		t.Errorf("after one poll: %v", got)
	}
	if status, errType, _ := do(t, s, "GET", path+"/containerd", "", false); status != 404 || errType != "ResourceNotFoundException" {
		t.Errorf("after the deletion: %d %s", status, errType)
	}
	want := []string{"containerd 2 1.23 (ACTIVE)", "containerd 0 1.23 (ACTIVE)", "containerd 0 1.24 (ACTIVE)", "containerd 0 1.24 ()"}
	if fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("OnNodegroupSize calls:\n got %q\nwant %q", sizes, want)
	}
	// Once gone, its token creates it anew.
	if status, _, _ := do(t, s, "POST", path, body, false); status != 200 {
		t.Errorf("create again: %d", status)
	}
}

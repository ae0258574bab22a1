package ekstest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// Package akstest is a local HTTPS server that speaks the Azure Resource
// Manager wire format of the Microsoft.ContainerService operations kubehop
// uses, so that tests drive the official armcontainerservice clients over
// real HTTP instead of a fake client. Its paths, api-version, JSON member
// names, status codes, error bodies ({"error": {"code", "message"}}) and
// long-running operation protocol (an Azure-AsyncOperation header pointing
// at an operation status resource) follow the SDK's request builders and
// models; the error codes and messages AKS is known to answer with
// (OperationNotAllowed, NodePoolMcVersionIncompatible) are modelled on
// them.
//
// It is TLS because the SDK's bearer-token policy refuses to send a token
// over plain HTTP, and it wants that token: every request must carry
// "Authorization: Bearer " + Token, which Credential hands out.
//
// It keeps a small in-memory state seeded with the cluster of the AKS
// runbook: ClusterName at 1.22.15 with agent pools vantiq, mongodb,
// keycloak, grafana and metrics at 1.22.15, and an upgrade profile
// offering 1.23. It enforces what AKS does: one minor at a time for the
// control plane, no pool newer than the control plane, one operation at a
// time on the cluster (409 OperationNotAllowed). Operations stay
// InProgress for PollsToFinish observations and then succeed, applying
// their change, or fail as scripted with FailNextOperation; FailNext
// scripts error answers (throttling...) for any route.
package akstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// APIVersion is the only api-version the server answers, the one
// armcontainerservice/v6 sends.
const APIVersion = "2025-02-01"

// Route names (Call.Op, FailNext), after the SDK methods that call them.
const (
	OpGetCluster            = "ManagedClusters.Get"
	OpPutCluster            = "ManagedClusters.CreateOrUpdate"
	OpClusterUpgradeProfile = "ManagedClusters.GetUpgradeProfile"
	OpListPools             = "AgentPools.List"
	OpGetPool               = "AgentPools.Get"
	OpPutPool               = "AgentPools.CreateOrUpdate"
	OpPoolUpgradeProfile    = "AgentPools.GetUpgradeProfile"
	OpOperationStatus       = "OperationStatus"
)

// Provisioning states and operation statuses.
const (
	stateSucceeded = "Succeeded"
	stateFailed    = "Failed"
	stateUpgrading = "Upgrading"
	stateUpdating  = "Updating"
	opInProgress   = "InProgress"
)

// Server is an in-memory ARM endpoint for one managed cluster.
type Server struct {
	// URL is the endpoint: the Resource Manager endpoint of Cloud.
	URL string
	// PollsToFinish is how many observations of an operation (GETs of its
	// status URL or of the resource it changes) answer InProgress before
	// it ends; it is read when the operation starts.
	PollsToFinish int
	// MaxPageSize caps each page of the agent pool list; small by default
	// so that clients must follow nextLink.
	MaxPageSize int
	// RetryAfter is how long a throttled client is told to wait.
	RetryAfter time.Duration

	srv *httptest.Server

	mu       sync.Mutex
	cluster  *cluster
	pools    []*pool
	ops      []*operation
	faults   map[string][]Fault
	failures map[string]wireErrorDetail
	calls    []Call
	seq      int
}

// Call is one request the server received, for tests to assert on.
type Call struct {
	// Op is the route (OpPutCluster...), "Unknown" when none matched.
	Op     string
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	// Body is the decoded JSON body, nil when there was none.
	Body map[string]any
	// Status is the HTTP status the server answered; At when it did.
	Status int
	At     time.Time
}

// Fault is a scripted error answer.
type Fault struct {
	// Status is the HTTP status; Code and Message the ARM error's.
	Status        int
	Code, Message string
}

type cluster struct {
	// kubernetesVersion is what was asked for last, current what runs.
	kubernetesVersion, current string
	state, etag                string
	addons                     map[string]wireAddonProfile
}

type pool struct {
	name, mode, vmSize, typ    string
	count                      int32
	orchestratorVersion        string
	current, nodeImage         string
	state, etag                string
	maxSurge                   *string
	drainTimeout, soakDuration *int32
	labels                     map[string]string
}

// operation is a long-running operation on the cluster (target "") or on
// one of its pools.
type operation struct {
	id, target string
	// state is the resources' provisioning state while it runs
	// ("Upgrading", "Updating").
	state          string
	status         string
	pollsLeft      int
	fail           *wireErrorDetail
	started, ended time.Time
	// apply makes the change when the operation succeeds; end sets the
	// resources' provisioning state whatever the outcome.
	apply func()
	end   func(state string)
}

// New starts a server with the seeded state.
func New() *Server {
	s := &Server{
		PollsToFinish: 2,
		MaxPageSize:   2,
		RetryAfter:    20 * time.Millisecond,
		faults:        map[string][]Fault{},
		failures:      map[string]wireErrorDetail{},
	}
	s.seed()
	s.srv = httptest.NewTLSServer(s.handler())
	s.URL = s.srv.URL
	return s
}

// Start is New for a test: the server closes when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := New()
	tb.Cleanup(s.Close)
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// HTTPClient is an HTTP client that trusts the server's certificate.
func (s *Server) HTTPClient() *http.Client { return s.srv.Client() }

// FailNext makes the next times requests to route op (OpGetCluster...)
// answer with f (500 when f has no status) before the server looks at them
// any further. A 429 answer carries Retry-After.
func (s *Server) FailNext(op string, times int, f Fault) {
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.faults[op] = append(s.faults[op], f)
	}
}

// Throttle makes the next times requests to route op answer 429
// TooManyRequests with Retry-After, as ARM throttles.
func (s *Server) Throttle(op string, times int) {
	s.FailNext(op, times, Fault{
		Status:  http.StatusTooManyRequests,
		Code:    "TooManyRequests",
		Message: "The request is being throttled as the limit has been reached for operation type " + op + ".",
	})
}

// FailNextOperation makes the next operation started on pool (or on the
// cluster when pool is "") end Failed with an ARM error of code and
// message.
func (s *Server) FailNextOperation(pool, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[pool] = wireErrorDetail{Code: code, Message: message}
}

// Calls returns the requests received for route op, or all when op is "".
func (s *Server) Calls(op string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if op == "" || c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// ClusterState is the managed cluster as the server holds it.
type ClusterState struct {
	// KubernetesVersion is the version last asked for, as asked;
	// CurrentKubernetesVersion the one the control plane runs.
	KubernetesVersion, CurrentKubernetesVersion string
	ProvisioningState                           string
}

// Cluster returns the managed cluster's state.
func (s *Server) Cluster() ClusterState {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cluster
	return ClusterState{KubernetesVersion: c.kubernetesVersion, CurrentKubernetesVersion: c.current, ProvisioningState: c.state}
}

// PoolState is an agent pool as the server holds it.
type PoolState struct {
	OrchestratorVersion, CurrentOrchestratorVersion string
	ProvisioningState, NodeImageVersion             string
	// MaxSurge is "" and DrainTimeoutInMinutes 0 when unset.
	MaxSurge              string
	DrainTimeoutInMinutes int32
	Count                 int32
}

// Pool returns an agent pool's state; ok is false when there is none.
func (s *Server) Pool(name string) (PoolState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pool(name)
	if p == nil {
		return PoolState{}, false
	}
	st := PoolState{
		OrchestratorVersion: p.orchestratorVersion, CurrentOrchestratorVersion: p.current,
		ProvisioningState: p.state, NodeImageVersion: p.nodeImage, Count: p.count,
	}
	if p.maxSurge != nil {
		st.MaxSurge = *p.maxSurge
	}
	if p.drainTimeout != nil {
		st.DrainTimeoutInMinutes = *p.drainTimeout
	}
	return st, true
}

// OperationStatus is an operation's status ("" when there is no such
// operation), read without counting as an observation.
func (s *Server) OperationStatus(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op := s.operation(id); op != nil {
		return op.status
	}
	return ""
}

// Operations returns the IDs of the operations started so far, oldest
// first.
func (s *Server) Operations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.ops))
	for _, op := range s.ops {
		ids = append(ids, op.id)
	}
	return ids
}

// Errors.

// apiError is an ARM error answer.
type apiError struct {
	status        int
	code, message string
	target        string
}

func (e *apiError) body() wireError {
	return wireError{Error: wireErrorDetail{Code: e.code, Message: e.message, Target: e.target}}
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func invalidParameter(target, format string, args ...any) *apiError {
	e := badRequest("InvalidParameter", format, args...)
	e.target = target
	return e
}

// HTTP plumbing.

// request is what a route's handler gets: the HTTP request and its body.
type request struct {
	*http.Request
	body []byte
}

func (r request) decode(v any) *apiError {
	if len(r.body) == 0 {
		return badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: the body is empty.")
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
	}
	return nil
}

// reply is a successful answer: status, extra headers and JSON body.
type reply struct {
	status int
	header http.Header
	body   any
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

type route struct {
	pattern, op string
	handle      func(*Server, request) (reply, *apiError)
}

const (
	clusterPath   = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"
	poolPath      = clusterPath + "/agentPools/{pool}"
	operationPath = "/subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{location}/operations/{id}"
)

var routes = []route{
	{"GET " + clusterPath, OpGetCluster, (*Server).getCluster},
	{"PUT " + clusterPath, OpPutCluster, (*Server).putCluster},
	{"GET " + clusterPath + "/upgradeProfiles/default", OpClusterUpgradeProfile, (*Server).clusterUpgradeProfile},
	{"GET " + clusterPath + "/agentPools", OpListPools, (*Server).listPools},
	{"GET " + poolPath, OpGetPool, (*Server).getPool},
	{"PUT " + poolPath, OpPutPool, (*Server).putPool},
	{"GET " + poolPath + "/upgradeProfiles/default", OpPoolUpgradeProfile, (*Server).poolUpgradeProfile},
	{"GET " + operationPath, OpOperationStatus, (*Server).operationStatus},
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, rt) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, route{op: "Unknown", handle: func(*Server, request) (reply, *apiError) {
			return reply{}, errorf(http.StatusNotFound, "NoRegisteredProviderFound", "No registered resource provider found for %s %s.", r.Method, r.URL.Path)
		}})
	})
	return mux
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) {
	body, _ := io.ReadAll(r.Body)
	req := request{Request: r, body: body}
	out, apiErr := s.answer(req, rt)
	s.mu.Lock()
	s.seq++
	w.Header().Set("x-ms-request-id", fmt.Sprintf("akstest-%06d", s.seq))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if apiErr != nil {
		out = reply{status: apiErr.status, body: apiErr.body()}
		if apiErr.status == http.StatusTooManyRequests {
			s.retryAfter(w.Header())
		}
		if apiErr.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="`+s.URL+`/login/", error="invalid_token"`)
		}
	}
	for k, v := range out.header {
		w.Header()[k] = v
	}
	s.record(req, rt.op, out.status)
	w.WriteHeader(out.status)
	_ = json.NewEncoder(w).Encode(out.body)
}

// retryAfter tells a throttled client how long to wait: Retry-After in
// whole seconds, as ARM sends it, and x-ms-retry-after-ms with the exact
// milliseconds, which azcore's retry policy prefers when present, so that
// tests wait milliseconds rather than seconds.
func (s *Server) retryAfter(h http.Header) {
	secs := max(1, int((s.RetryAfter+time.Second-1)/time.Second))
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("x-ms-retry-after-ms", strconv.FormatInt(s.RetryAfter.Milliseconds(), 10))
}

// answer checks the token and the api-version, then scripted faults, then
// runs the route under the lock.
func (s *Server) answer(r request, rt route) (reply, *apiError) {
	if err := checkToken(r.Request); err != nil {
		return reply{}, err
	}
	if err := checkAPIVersion(r.Request); err != nil {
		return reply{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.faults[rt.op]; len(q) > 0 {
		s.faults[rt.op] = q[1:]
		return reply{}, errorf(q[0].Status, q[0].Code, "%s", q[0].Message)
	}
	return rt.handle(s, r)
}

// checkToken wants the bearer token Credential hands out.
func checkToken(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		return errorf(http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
	case auth != "Bearer "+Token:
		return errorf(http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
	}
	return nil
}

func checkAPIVersion(r *http.Request) *apiError {
	switch v := r.URL.Query().Get("api-version"); v {
	case APIVersion:
		return nil
	case "":
		return badRequest("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
	default:
		return badRequest("InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported version is '%s'.", v, APIVersion)
	}
}

func (s *Server) record(r request, op string, status int) {
	h := r.Header.Clone()
	if h.Get("Authorization") != "" {
		h.Set("Authorization", "Bearer <redacted>")
	}
	c := Call{Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: h, Status: status, At: time.Now()}
	if len(r.body) > 0 {
		_ = json.Unmarshal(r.body, &c.Body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// Resource IDs and URLs.

func clusterID() string {
	return "/subscriptions/" + SubscriptionID + "/resourceGroups/" + ResourceGroup + "/providers/Microsoft.ContainerService/managedClusters/" + ClusterName
}

func poolID(name string) string { return clusterID() + "/agentPools/" + name }

func operationID(id string) string {
	return "/subscriptions/" + SubscriptionID + "/providers/Microsoft.ContainerService/locations/" + Location + "/operations/" + id
}

// link is an absolute URL on the server for path, with the api-version.
func (s *Server) link(path string, query url.Values) string {
	if query == nil {
		query = url.Values{}
	}
	query.Set("api-version", APIVersion)
	return s.URL + path + "?" + query.Encode()
}

// newETag returns a fresh entity tag.
func (s *Server) newETag() string {
	s.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq*7919)
}

// checkIfMatch answers 412 when the request's If-Match is set and is not
// etag.
func checkIfMatch(r request, etag string) *apiError {
	m := r.Header.Get("If-Match")
	if m == "" || m == "*" || m == etag {
		return nil
	}
	return errorf(http.StatusPreconditionFailed, "PreconditionFailed", "Operation failed: the eTag %q in If-Match does not match the current eTag %q.", m, etag)
}

// wire is the operation's ARM status: its error only once it failed.
func (op *operation) wire() wireOperationStatus {
	w := wireOperationStatus{
		ID: operationID(op.id), Name: op.id, Status: op.status,
		StartTime: op.started.Format(time.RFC3339Nano),
	}
	if op.status != opInProgress {
		w.EndTime = op.ended.Format(time.RFC3339Nano)
	}
	if op.status == stateFailed {
		w.Error = op.fail
	}
	return w
}

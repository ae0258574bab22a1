// Package ekstest is a local HTTP server that speaks the Amazon EKS
// REST-JSON protocol for the operations kubehop uses, so that tests drive
// the official aws-sdk-go-v2 EKS client over real HTTP instead of a fake
// client. Its routes, methods, JSON member names, status codes and error
// shape (the X-Amzn-ErrorType header and a "__type" member in the body)
// follow the EKS API reference and the SDK's request and response
// snapshots.
//
// It keeps a small in-memory state, seeded with the cluster of the EKS
// runbook: ClusterName at Kubernetes 1.23, managed node groups "vantiq",
// "mongodb" and "keycloak" at 1.23, add-ons coredns, kube-proxy and vpc-cni
// installed and no aws-ebs-csi-driver. Updates stay InProgress for
// PollsToFinish DescribeUpdate answers and then succeed (applying their
// change) or fail as scripted with FailNextUpdate; FailNext scripts error
// answers (throttling, ResourceInUseException...) for any operation.
//
// Node groups can be created (CreateNodegroup, from the settings the
// request carries, refused as EKS refuses a launch template together with
// diskSize or remoteAccess) and deleted (DeleteNodegroup): a new node group
// stays CREATING, a deleted one DELETING, for PollsToFinish
// DescribeNodegroup answers; then it is ACTIVE, or gone. OnNodegroupSize
// tells a test whenever a node group's desired size or version changes, so
// that it can add or remove the simulated nodes that go with it.
package ekstest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is an in-memory EKS endpoint.
type Server struct {
	// URL is the endpoint to give the client as its BaseEndpoint.
	URL string
	// PollsToFinish is how many DescribeUpdate answers show an update
	// InProgress before it ends; it is read when the update starts.
	PollsToFinish int
	// MaxPageSize caps every list page; small by default so that clients
	// must follow nextToken.
	MaxPageSize int
	// OnNodegroupSize, when set, is called whenever a node group's
	// effective desired size or Kubernetes version changes: when its
	// creation completes (with its desired size), when an update that
	// changes its desired size (UpdateNodegroupConfig's scalingConfig) or
	// its version (UpdateNodegroupVersion) succeeds, and with desired 0
	// when its deletion completes. It is called outside the server's lock,
	// before the answer that shows the change is sent, one call at a time
	// per request in the order of the changes; it may call the server's
	// accessors. Set it before the client makes requests.
	OnNodegroupSize func(nodegroup string, desired int, version string)
	// OnClusterVersion, when set, is called like OnNodegroupSize when a
	// control plane update succeeds, with the new version: tests move
	// their own cluster's control plane there before EKS says it is done.
	OnClusterVersion func(version string)

	srv *httptest.Server

	mu         sync.Mutex
	cluster    *cluster
	nodegroups []*nodegroup
	addons     []*addon
	catalog    []wireAddonInfo
	insights   []wireInsight
	updates    []*update
	tokens     map[string]*update
	faults     map[string][]apiError
	failures   map[Scope]wireErrorDetail
	calls      []Call
	seq        int
	// sizes and versions are the OnNodegroupSize and OnClusterVersion
	// calls due once the lock is released.
	sizes    []sizeChange
	versions []string
}

// sizeChange is one OnNodegroupSize call.
type sizeChange struct {
	nodegroup string
	desired   int
	version   string
}

// Scope names what an update changes: the cluster itself (the zero
// Scope), one node group or one add-on.
type Scope struct {
	Nodegroup string
	Addon     string
}

// Call is one request the server received, for tests to assert on.
type Call struct {
	// Op is the EKS operation ("UpdateNodegroupVersion").
	Op     string
	Method string
	Path   string
	Query  url.Values
	// Body is the decoded JSON body, nil when there was none.
	Body map[string]any
	// Status is the HTTP status the server answered.
	Status int
}

type cluster struct {
	name, version, platform, status string
}

type nodegroup struct {
	name, version, release, status string
	min, max, desired              int32
	maxUnavailable, maxUnavailPct  *int32
	instanceTypes                  []string
	labels                         map[string]string
	taints                         []wireTaint
	subnets                        []string
	nodeRole, amiType, capacity    string
	// diskSize and remoteAccess are nil for a node group deployed with a
	// launch template, launchTemplate nil for one deployed without.
	diskSize       *int32
	remoteAccess   *wireRemoteAccess
	launchTemplate *wireLaunchTemplate
	issues         []wireIssue
	createdAt      time.Time
	// pollsLeft counts the DescribeNodegroup answers a CREATING or
	// DELETING node group has yet to show that status in; fail is the
	// health issue its creation or deletion ends with, if scripted.
	pollsLeft int
	fail      *wireErrorDetail
	// token is the clientRequestToken that created it.
	token string
}

type addon struct {
	name, version, status string
}

type update struct {
	id        string
	scope     Scope
	typ       string
	params    []wireUpdateParam
	status    string
	createdAt time.Time
	errors    []wireErrorDetail
	pollsLeft int
	fail      *wireErrorDetail
	// apply makes the change when the update succeeds; end runs whatever
	// the outcome (statuses back to ACTIVE).
	apply, end func()
}

// New starts a server with the seeded state.
func New() *Server {
	s := &Server{
		PollsToFinish: 2,
		MaxPageSize:   2,
		tokens:        map[string]*update{},
		faults:        map[string][]apiError{},
		failures:      map[Scope]wireErrorDetail{},
	}
	s.seed()
	s.srv = httptest.NewServer(s.handler())
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

// HTTPClient is the client to give the SDK (it talks to this server).
func (s *Server) HTTPClient() *http.Client { return s.srv.Client() }

// FailNext makes the next times calls of op (an EKS operation name such as
// "DescribeCluster") answer with the error errType
// ("ThrottlingException", "ResourceInUseException", ...), before the
// server looks at the request any further.
func (s *Server) FailNext(op string, times int, errType string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.faults[op] = append(s.faults[op], apiError{typ: errType, msg: "scripted " + errType + " for " + op})
	}
}

// FailNextUpdate makes the next update started in scope end Failed with
// an error detail of code (an EKS ErrorCode such as "PodEvictionFailure"),
// message and the IDs of the resources involved. For a node group's scope
// the next creation or deletion of that node group counts too, whichever
// comes first: it ends CREATE_FAILED or DELETE_FAILED with the detail as a
// health issue (code "NodeCreationFailure", say).
func (s *Server) FailNextUpdate(scope Scope, code, message string, resourceIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[scope] = wireErrorDetail{ErrorCode: code, ErrorMessage: message, ResourceIds: resourceIDs}
}

// InstallAddon installs (or moves) an add-on at version, as if created
// through the console.
func (s *Server) InstallAddon(name, version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.addon(name); a != nil {
		a.version = version
		return
	}
	s.addons = append(s.addons, &addon{name: name, version: version, status: "ACTIVE"})
}

// Calls returns the requests received for op, or all when op is "".
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

// ClusterVersion is the control plane's Kubernetes version.
func (s *Server) ClusterVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cluster.version
}

// NodegroupState is a node group as the server holds it.
type NodegroupState struct {
	Version, ReleaseVersion, Status          string
	MaxUnavailable, MaxUnavailablePercentage int32
	// MinSize, MaxSize and DesiredSize are its scaling config.
	MinSize, MaxSize, DesiredSize int32
	// DiskSize is its diskSize, 0 when it has none (a node group deployed
	// with a launch template).
	DiskSize int32
	// LaunchTemplate is the launch template it was created with, as the
	// request named it; zero when it was created without one.
	LaunchTemplate LaunchTemplate
	// Labels and Taints are the Kubernetes labels and taints its nodes get.
	Labels map[string]string
	Taints []Taint
}

// Taint is a node group's Kubernetes taint, its effect as EKS writes it
// (NO_SCHEDULE).
type Taint struct {
	Key, Value, Effect string
}

// LaunchTemplate is a node group's launchTemplate specification.
type LaunchTemplate struct {
	ID, Name, Version string
}

// Nodegroup returns a node group's state; ok is false when there is none.
// It does not count as a DescribeNodegroup answer.
func (s *Server) Nodegroup(name string) (NodegroupState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ng := s.nodegroup(name)
	if ng == nil {
		return NodegroupState{}, false
	}
	st := NodegroupState{
		Version: ng.version, ReleaseVersion: ng.release, Status: ng.status,
		MinSize: ng.min, MaxSize: ng.max, DesiredSize: ng.desired,
	}
	if ng.maxUnavailable != nil {
		st.MaxUnavailable = *ng.maxUnavailable
	}
	if ng.maxUnavailPct != nil {
		st.MaxUnavailablePercentage = *ng.maxUnavailPct
	}
	if ng.diskSize != nil {
		st.DiskSize = *ng.diskSize
	}
	if lt := ng.launchTemplate; lt != nil {
		st.LaunchTemplate = LaunchTemplate{ID: lt.ID, Name: lt.Name, Version: lt.Version}
	}
	st.Labels = maps.Clone(ng.labels)
	for _, t := range ng.taints {
		st.Taints = append(st.Taints, Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	return st, true
}

// AddonVersion is an installed add-on's version, "" when not installed.
func (s *Server) AddonVersion(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.addon(name); a != nil {
		return a.version
	}
	return ""
}

// UpdateStatus is an update's status ("" when there is no such update),
// read without counting as a poll.
func (s *Server) UpdateStatus(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.updates {
		if u.id == id {
			return u.status
		}
	}
	return ""
}

// Errors.

// apiError is an error answer: HTTP status from its type, the type in the
// X-Amzn-ErrorType header and the body's "__type", and the resource names
// the EKS error shapes carry.
type apiError struct {
	typ, msg                    string
	cluster, nodegroup, addonNm string
}

// errorStatus is each EKS error's HTTP status.
var errorStatus = map[string]int{
	"BadRequestException":                 http.StatusBadRequest,
	"ClientException":                     http.StatusBadRequest,
	"InvalidParameterException":           http.StatusBadRequest,
	"InvalidRequestException":             http.StatusBadRequest,
	"AccessDeniedException":               http.StatusForbidden,
	"MissingAuthenticationTokenException": http.StatusForbidden,
	"NotFoundException":                   http.StatusNotFound,
	"ResourceNotFoundException":           http.StatusNotFound,
	"UnknownOperationException":           http.StatusNotFound,
	"ResourceInUseException":              http.StatusConflict,
	"ResourceLimitExceededException":      http.StatusBadRequest,
	"ThrottlingException":                 http.StatusTooManyRequests,
	"ServerException":                     http.StatusInternalServerError,
	"ServiceUnavailableException":         http.StatusServiceUnavailable,
}

func (e *apiError) status() int {
	if st, ok := errorStatus[e.typ]; ok {
		return st
	}
	return http.StatusBadRequest
}

func errParam(format string, args ...any) *apiError {
	return &apiError{typ: "InvalidParameterException", msg: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) *apiError {
	return &apiError{typ: "ResourceNotFoundException", msg: fmt.Sprintf(format, args...)}
}

func errInUse(format string, args ...any) *apiError {
	return &apiError{typ: "ResourceInUseException", msg: fmt.Sprintf(format, args...)}
}

// HTTP plumbing.

// request is what a route's handler gets: the HTTP request and its
// decoded JSON body (nil when empty).
type request struct {
	*http.Request
	body []byte
}

func (r request) decode(v any) *apiError {
	if len(r.body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	if err := dec.Decode(v); err != nil {
		return &apiError{typ: "InvalidRequestException", msg: "malformed request body: " + err.Error()}
	}
	return nil
}

type route struct {
	pattern, op string
	handle      func(*Server, request) (any, *apiError)
}

var routes = []route{
	{"GET /clusters/{name}", "DescribeCluster", (*Server).describeCluster},
	{"POST /clusters/{name}/updates", "UpdateClusterVersion", (*Server).updateClusterVersion},
	{"GET /clusters/{name}/updates", "ListUpdates", (*Server).listUpdates},
	{"GET /clusters/{name}/updates/{updateId}", "DescribeUpdate", (*Server).describeUpdate},
	{"GET /clusters/{name}/node-groups", "ListNodegroups", (*Server).listNodegroups},
	{"POST /clusters/{name}/node-groups", "CreateNodegroup", (*Server).createNodegroup},
	{"GET /clusters/{name}/node-groups/{nodegroupName}", "DescribeNodegroup", (*Server).describeNodegroup},
	{"DELETE /clusters/{name}/node-groups/{nodegroupName}", "DeleteNodegroup", (*Server).deleteNodegroup},
	{"POST /clusters/{name}/node-groups/{nodegroupName}/update-version", "UpdateNodegroupVersion", (*Server).updateNodegroupVersion},
	{"POST /clusters/{name}/node-groups/{nodegroupName}/update-config", "UpdateNodegroupConfig", (*Server).updateNodegroupConfig},
	{"GET /clusters/{name}/addons", "ListAddons", (*Server).listAddons},
	{"GET /clusters/{name}/addons/{addonName}", "DescribeAddon", (*Server).describeAddon},
	{"POST /clusters/{name}/addons/{addonName}/update", "UpdateAddon", (*Server).updateAddon},
	{"GET /addons/supported-versions", "DescribeAddonVersions", (*Server).describeAddonVersions},
	{"POST /clusters/{name}/insights", "ListInsights", (*Server).listInsights},
	{"GET /clusters/{name}/insights/{id}", "DescribeInsight", (*Server).describeInsight},
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, rt) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, route{op: "Unknown", handle: func(*Server, request) (any, *apiError) {
			return nil, &apiError{typ: "UnknownOperationException", msg: r.Method + " " + r.URL.Path + " is not an EKS operation"}
		}})
	})
	return mux
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) {
	body, _ := io.ReadAll(r.Body)
	req := request{Request: r, body: body}
	out, apiErr := s.answer(req, rt)
	s.tellSizes()
	status := http.StatusOK
	w.Header().Set("Content-Type", "application/json")
	s.mu.Lock()
	s.seq++
	w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("ekstest-%06d", s.seq))
	s.mu.Unlock()
	if apiErr != nil {
		status = apiErr.status()
		w.Header().Set("X-Amzn-ErrorType", apiErr.typ)
		out = errorBody(apiErr)
	}
	s.record(req, rt.op, status)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

// sized records an OnNodegroupSize call, made once the lock is released;
// the caller holds the lock.
func (s *Server) sized(ng *nodegroup, desired int32) {
	s.sizes = append(s.sizes, sizeChange{nodegroup: ng.name, desired: int(desired), version: ng.version})
}

// tellSizes makes the OnClusterVersion and OnNodegroupSize calls
// recorded, outside the lock.
func (s *Server) tellSizes() {
	s.mu.Lock()
	due, hook := s.sizes, s.OnNodegroupSize
	versions, versionHook := s.versions, s.OnClusterVersion
	s.sizes, s.versions = nil, nil
	s.mu.Unlock()
	if versionHook != nil {
		for _, v := range versions {
			versionHook(v)
		}
	}
	if hook == nil {
		return
	}
	for _, c := range due {
		hook(c.nodegroup, c.desired, c.version)
	}
}

// SetVersion puts the cluster and every node group at version (a minor
// such as "1.36"), on that minor's latest AMI release: for tests whose
// own cluster runs another minor than the seeded 1.23.
func (s *Server) SetVersion(version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cluster.version = version
	for _, ng := range s.nodegroups {
		releases := releasesFor(version)
		ng.version, ng.release = version, releases[len(releases)-1]
	}
}

// releasesFor are the AMI releases of a minor: the seeded ones, or one
// made up for a minor the seed does not know.
func releasesFor(version string) []string {
	if r, ok := amiReleases[version]; ok {
		return r
	}
	return []string{version + ".0-20260101"}
}

func errorBody(e *apiError) map[string]string {
	b := map[string]string{"__type": e.typ, "message": e.msg}
	for k, v := range map[string]string{"clusterName": e.cluster, "nodegroupName": e.nodegroup, "addonName": e.addonNm} {
		if v != "" {
			b[k] = v
		}
	}
	return b
}

// answer checks the request's signature, then scripted faults, then runs
// the operation under the lock.
func (s *Server) answer(r request, rt route) (any, *apiError) {
	if err := checkSigned(r.Request); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.faults[rt.op]; len(q) > 0 {
		s.faults[rt.op] = q[1:]
		fault := q[0]
		fault.cluster = r.PathValue("name")
		return nil, &fault
	}
	out, err := rt.handle(s, r)
	if err != nil && err.cluster == "" {
		err.cluster = r.PathValue("name")
	}
	return out, err
}

// checkSigned wants a SigV4 Authorization header scoped to the region and
// the "eks" signing name, as the SDK sends with any credentials; it does
// not verify the signature itself.
func checkSigned(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	scope := "/" + Region + "/eks/aws4_request"
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || !strings.Contains(auth, scope) || r.Header.Get("X-Amz-Date") == "" {
		return &apiError{typ: "MissingAuthenticationTokenException", msg: "request is not signed with SigV4 for " + scope}
	}
	return nil
}

func (s *Server) record(r request, op string, status int) {
	c := Call{Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Status: status}
	if len(r.body) > 0 {
		_ = json.Unmarshal(r.body, &c.Body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// Paging.

// page returns the bounds of the page of n items that maxResults and
// nextToken ask for, and the token of the next page ("" at the end).
func (s *Server) page(n int, maxResults, token string) (start, end int, next string, err *apiError) {
	size := s.MaxPageSize
	if maxResults != "" {
		m, convErr := strconv.Atoi(maxResults)
		if convErr != nil || m < 1 || m > 100 {
			return 0, 0, "", errParam("maxResults must be between 1 and 100")
		}
		size = min(size, m)
	}
	if token != "" {
		raw, decErr := base64.RawURLEncoding.DecodeString(token)
		off, convErr := strconv.Atoi(strings.TrimPrefix(string(raw), "offset="))
		if decErr != nil || convErr != nil || off < 0 || off > n {
			return 0, 0, "", errParam("The nextToken %q is not valid", token)
		}
		start = off
	}
	end = min(start+size, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset=" + strconv.Itoa(end)))
	}
	return start, end, next, nil
}

func pageOf[T any](s *Server, items []T, maxResults, token string) ([]T, string, *apiError) {
	start, end, next, err := s.page(len(items), maxResults, token)
	if err != nil {
		return nil, "", err
	}
	return items[start:end], next, nil
}

func at(t time.Time) epoch { return epoch(float64(t.UnixMilli()) / 1000) }

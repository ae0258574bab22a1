package ekstest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Resource lookups. Each answers ResourceNotFoundException (404) naming
// what it did not find, as the service does.

func (s *Server) clusterFor(r request) (*cluster, *apiError) {
	if name := r.PathValue("name"); name != s.cluster.name {
		return nil, errNotFound("No cluster found for name: %s.", name)
	}
	return s.cluster, nil
}

func (s *Server) nodegroup(name string) *nodegroup {
	for _, ng := range s.nodegroups {
		if ng.name == name {
			return ng
		}
	}
	return nil
}

func (s *Server) addon(name string) *addon {
	for _, a := range s.addons {
		if a.name == name {
			return a
		}
	}
	return nil
}

func (s *Server) nodegroupFor(r request, name string) (*nodegroup, *apiError) {
	if _, err := s.clusterFor(r); err != nil {
		return nil, err
	}
	ng := s.nodegroup(name)
	if ng == nil {
		return nil, errNoNodegroup(name)
	}
	return ng, nil
}

func errNoNodegroup(name string) *apiError {
	e := errNotFound("No node group found for name: %s.", name)
	e.nodegroup = name
	return e
}

func (s *Server) addonFor(r request, name string) (*addon, *apiError) {
	if _, err := s.clusterFor(r); err != nil {
		return nil, err
	}
	a := s.addon(name)
	if a == nil {
		e := errNotFound("No addon: %s found in cluster: %s", name, s.cluster.name)
		e.addonNm = name
		return nil, e
	}
	return a, nil
}

// scopeFor reads the scope of ListUpdates and DescribeUpdate from their
// nodegroupName and addonName query parameters, checking it exists.
func (s *Server) scopeFor(r request) (Scope, *apiError) {
	sc := Scope{Nodegroup: r.URL.Query().Get("nodegroupName"), Addon: r.URL.Query().Get("addonName")}
	var err *apiError
	switch {
	case sc.Nodegroup != "":
		_, err = s.nodegroupFor(r, sc.Nodegroup)
	case sc.Addon != "":
		_, err = s.addonFor(r, sc.Addon)
	default:
		_, err = s.clusterFor(r)
	}
	return sc, err
}

// Versions.

// parseMinor reads a Kubernetes minor such as "1.24"; EKS takes nothing
// else where it asks for a cluster or node group version.
func parseMinor(v string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(v, ".")
	if !found {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	return major, minor, err1 == nil && err2 == nil
}

// compareMinor compares two valid minors.
func compareMinor(a, b string) int {
	am, an, _ := parseMinor(a)
	bm, bn, _ := parseMinor(b)
	if am != bm {
		return am - bm
	}
	return an - bn
}

// Updates.

func (s *Server) inFlight(sc Scope) *update {
	for _, u := range s.updates {
		if u.scope == sc && u.status == "InProgress" {
			return u
		}
	}
	return nil
}

func (s *Server) byToken(token string) *update {
	if token == "" {
		return nil
	}
	return s.tokens[token]
}

// start records a new update in scope; the caller sets its apply and end.
func (s *Server) start(sc Scope, typ, token string, params ...wireUpdateParam) *update {
	s.seq++
	u := &update{
		id:        fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", s.seq, len(s.updates), s.seq%0x1000, len(s.updates)%0x1000, time.Now().UnixNano()&0xffffffffffff),
		scope:     sc,
		typ:       typ,
		params:    params,
		status:    "InProgress",
		createdAt: time.Now(),
		pollsLeft: s.PollsToFinish,
		apply:     func() {},
		end:       func() {},
	}
	if f, ok := s.failures[sc]; ok {
		u.fail = &f
		delete(s.failures, sc)
	}
	if token != "" {
		s.tokens[token] = u
	}
	s.updates = append(s.updates, u)
	return u
}

// advance counts one DescribeUpdate answer and ends the update once it
// has shown InProgress PollsToFinish times.
func (u *update) advance() {
	if u.status != "InProgress" {
		return
	}
	if u.pollsLeft > 0 {
		u.pollsLeft--
		return
	}
	if u.fail != nil {
		u.status = "Failed"
		u.errors = []wireErrorDetail{*u.fail}
	} else {
		u.status = "Successful"
		u.apply()
	}
	u.end()
}

func (u *update) wire() map[string]wireUpdate {
	errs := u.errors
	if errs == nil {
		errs = []wireErrorDetail{}
	}
	return map[string]wireUpdate{"update": {
		ID: u.id, Status: u.status, Type: u.typ, Params: u.params, CreatedAt: at(u.createdAt), Errors: errs,
	}}
}

func param(typ, value string) wireUpdateParam { return wireUpdateParam{Type: typ, Value: value} }

// Cluster.

func (s *Server) describeCluster(r request) (any, *apiError) {
	c, err := s.clusterFor(r)
	if err != nil {
		return nil, err
	}
	return map[string]wireCluster{"cluster": {
		Name:            c.name,
		Arn:             fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", Region, Account, c.name),
		Version:         c.version,
		PlatformVersion: c.platform,
		Status:          c.status,
		Endpoint:        "https://0123456789ABCDEF0123456789ABCDEF.gr7." + Region + ".eks.amazonaws.com",
		CreatedAt:       at(seededAt),
	}}, nil
}

func (s *Server) updateClusterVersion(r request) (any, *apiError) {
	c, err := s.clusterFor(r)
	if err != nil {
		return nil, err
	}
	var in updateClusterVersionRequest
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if u := s.byToken(in.ClientRequestToken); u != nil {
		return u.wire(), nil
	}
	if u := s.inFlight(Scope{}); u != nil {
		return nil, errInUse("Cluster %s has update %s in progress", c.name, u.id)
	}
	cm, cn, _ := parseMinor(c.version)
	m, n, ok := parseMinor(in.Version)
	if !ok || m != cm || n != cn+1 {
		return nil, errParam("Unsupported Kubernetes minor version update from %s to %s", c.version, in.Version)
	}
	platform := "eks.1"
	u := s.start(Scope{}, "VersionUpdate", in.ClientRequestToken, param("Version", in.Version), param("PlatformVersion", platform))
	c.status = "UPDATING"
	u.apply = func() {
		c.version, c.platform = in.Version, platform
		s.versions = append(s.versions, in.Version)
	}
	u.end = func() { c.status = "ACTIVE" }
	return u.wire(), nil
}

func (s *Server) listUpdates(r request) (any, *apiError) {
	sc, err := s.scopeFor(r)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, u := range s.updates {
		if u.scope == sc {
			ids = append(ids, u.id)
		}
	}
	return s.listPage(r, "updateIds", ids)
}

func (s *Server) describeUpdate(r request) (any, *apiError) {
	sc, err := s.scopeFor(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("updateId")
	for _, u := range s.updates {
		if u.id == id && u.scope == sc {
			u.advance()
			return u.wire(), nil
		}
	}
	return nil, errNotFound("No update found for ID: %s", id)
}

// listPage answers a list request with the page of names its maxResults
// and nextToken ask for, under key.
func (s *Server) listPage(r request, key string, names []string) (any, *apiError) {
	q := r.URL.Query()
	page, next, err := pageOf(s, names, q.Get("maxResults"), q.Get("nextToken"))
	if err != nil {
		return nil, err
	}
	return listBody(key, page, next), nil
}

// listBody is a list answer: the items under key and the next page's
// token when there is one.
func listBody[T any](key string, items []T, next string) map[string]any {
	if items == nil {
		items = []T{}
	}
	body := map[string]any{key: items}
	if next != "" {
		body["nextToken"] = next
	}
	return body
}

// Node groups.

func (s *Server) listNodegroups(r request) (any, *apiError) {
	if _, err := s.clusterFor(r); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(s.nodegroups))
	for _, ng := range s.nodegroups {
		names = append(names, ng.name)
	}
	return s.listPage(r, "nodegroups", names)
}

func (s *Server) describeNodegroup(r request) (any, *apiError) {
	ng, err := s.nodegroupFor(r, r.PathValue("nodegroupName"))
	if err != nil {
		return nil, err
	}
	if gone := s.progress(ng); gone {
		return nil, errNoNodegroup(ng.name)
	}
	return map[string]wireNodegroup{"nodegroup": s.wireNodegroup(ng)}, nil
}

func (s *Server) wireNodegroup(ng *nodegroup) wireNodegroup {
	issues := ng.issues
	if issues == nil {
		issues = []wireIssue{}
	}
	return wireNodegroup{
		NodegroupName:  ng.name,
		NodegroupArn:   fmt.Sprintf("arn:aws:eks:%s:%s:nodegroup/%s/%s/0ac3b0b4-2c47-4f7c-9a8e-3f0e2c1d5b6a", Region, Account, s.cluster.name, ng.name),
		ClusterName:    s.cluster.name,
		Version:        ng.version,
		ReleaseVersion: ng.release,
		Status:         ng.status,
		CapacityType:   ng.capacity,
		AmiType:        ng.amiType,
		InstanceTypes:  ng.instanceTypes,
		Subnets:        ng.subnets,
		NodeRole:       ng.nodeRole,
		DiskSize:       ng.diskSize,
		RemoteAccess:   ng.remoteAccess,
		LaunchTemplate: ng.launchTemplate,
		ScalingConfig:  wireScalingConfig{MinSize: int32p(ng.min), MaxSize: int32p(ng.max), DesiredSize: int32p(ng.desired)},
		UpdateConfig:   wireUpdateConfig{MaxUnavailable: ng.maxUnavailable, MaxUnavailablePercentage: ng.maxUnavailPct},
		Labels:         ng.labels,
		Taints:         ng.taints,
		Health:         wireHealth{Issues: issues},
		CreatedAt:      at(ng.createdAt),
		ModifiedAt:     at(ng.createdAt),
	}
}

// progress counts one DescribeNodegroup answer of a CREATING or DELETING
// node group, and once it has shown that status PollsToFinish times ends
// its creation (ACTIVE, or CREATE_FAILED as scripted) or deletion (gone,
// or DELETE_FAILED as scripted). gone reports a deletion just completed:
// the node group and its updates are removed.
func (s *Server) progress(ng *nodegroup) (gone bool) {
	if ng.status != "CREATING" && ng.status != "DELETING" {
		return false
	}
	if ng.pollsLeft > 0 {
		ng.pollsLeft--
		return false
	}
	creating := ng.status == "CREATING"
	if f := ng.fail; f != nil {
		ng.fail = nil
		ng.issues = append(ng.issues, wireIssue{Code: f.ErrorCode, Message: f.ErrorMessage, ResourceIds: f.ResourceIds})
		ng.status = "DELETE_FAILED"
		if creating {
			ng.status = "CREATE_FAILED"
		}
		return false
	}
	if creating {
		ng.status = "ACTIVE"
		s.sized(ng, ng.desired)
		return false
	}
	s.nodegroups = slices.DeleteFunc(s.nodegroups, func(n *nodegroup) bool { return n == ng })
	s.updates = slices.DeleteFunc(s.updates, func(u *update) bool { return u.scope == Scope{Nodegroup: ng.name} })
	s.sized(ng, 0)
	return true
}

// busyNodegroup refuses a change to a node group being created or
// deleted.
func busyNodegroup(ng *nodegroup) *apiError {
	if ng.status != "CREATING" && ng.status != "DELETING" {
		return nil
	}
	e := errInUse("Nodegroup %s is currently in %s status", ng.name, ng.status)
	e.nodegroup = ng.name
	return e
}

// Defaults of a node group created without them.
const (
	defaultAMIType      = "AL2_x86_64"
	defaultCapacityType = "ON_DEMAND"
	defaultInstanceType = "t3.medium"
	defaultDiskSize     = 20
)

var (
	taintEffects  = []string{"NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"}
	capacityTypes = []string{"ON_DEMAND", "SPOT", "CAPACITY_BLOCK"}
)

// createNodegroup creates a node group with the request's settings at the
// cluster's version: CREATING for PollsToFinish DescribeNodegroup answers,
// then ACTIVE. The clientRequestToken that created a node group answers
// it again instead of creating another.
func (s *Server) createNodegroup(r request) (any, *apiError) {
	c, err := s.clusterFor(r)
	if err != nil {
		return nil, err
	}
	var in createNodegroupRequest
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if ng := s.createdBy(in.ClientRequestToken); ng != nil {
		return map[string]wireNodegroup{"nodegroup": s.wireNodegroup(ng)}, nil
	}
	if err := requireCreate(in); err != nil {
		return nil, err
	}
	if ng := s.nodegroup(in.NodegroupName); ng != nil {
		e := errInUse("NodeGroup already exists with name %s and cluster name %s", ng.name, c.name)
		e.nodegroup = ng.name
		return nil, e
	}
	if err := checkCreate(c, in); err != nil {
		err.nodegroup = in.NodegroupName
		return nil, err
	}
	ng := s.newNodegroup(c, in)
	s.nodegroups = append(s.nodegroups, ng)
	return map[string]wireNodegroup{"nodegroup": s.wireNodegroup(ng)}, nil
}

// createdBy is the node group a clientRequestToken created, nil when
// none.
func (s *Server) createdBy(token string) *nodegroup {
	for _, ng := range s.nodegroups {
		if token != "" && ng.token == token {
			return ng
		}
	}
	return nil
}

// requireCreate checks CreateNodegroup's required members.
func requireCreate(in createNodegroupRequest) *apiError {
	switch {
	case in.NodegroupName == "":
		return errParam("nodegroupName is required")
	case len(in.Subnets) == 0:
		return errParam("subnets is required and must name at least one subnet")
	case in.NodeRole == "":
		return errParam("nodeRole is required")
	}
	return nil
}

// checkCreate checks a CreateNodegroup request against the cluster: an
// ACTIVE cluster, a launch template by ID or name and without diskSize
// or remoteAccess, the cluster's version, a complete scaling config.
func checkCreate(c *cluster, in createNodegroupRequest) *apiError {
	if c.status != "ACTIVE" {
		return &apiError{typ: "InvalidRequestException", msg: fmt.Sprintf("Cluster '%s' is not in ACTIVE status", c.name)}
	}
	if lt := in.LaunchTemplate; lt != nil {
		switch {
		case lt.ID == "" && lt.Name == "":
			return errParam("Either launch template ID or launch template name must be specified")
		case lt.ID != "" && lt.Name != "":
			return errParam("Launch template ID and launch template name cannot both be specified")
		case in.DiskSize != nil:
			return errParam("Disk size must be specified within the launch template.")
		case in.RemoteAccess != nil:
			return errParam("Remote access configuration cannot be specified with a launch template.")
		}
	}
	if in.Version != "" && in.Version != c.version {
		return errParam("Requested Nodegroup Kubernetes version %s must match the cluster's version %s", in.Version, c.version)
	}
	if in.ReleaseVersion != "" && !slices.Contains(releasesFor(c.version), in.ReleaseVersion) {
		return errParam("Requested release version %s is not valid for kubernetes version %s", in.ReleaseVersion, c.version)
	}
	if sc := in.ScalingConfig; sc != nil {
		if sc.MinSize == nil || sc.MaxSize == nil || sc.DesiredSize == nil {
			return errParam("scalingConfig needs minSize, maxSize and desiredSize when creating a node group")
		}
		if err := checkScaling(*sc.MinSize, *sc.MaxSize, *sc.DesiredSize); err != nil {
			return err
		}
	}
	if in.CapacityType != "" && !slices.Contains(capacityTypes, in.CapacityType) {
		return errParam("capacityType must be one of %v", capacityTypes)
	}
	for _, t := range in.Taints {
		if t.Key == "" || !slices.Contains(taintEffects, t.Effect) {
			return errParam("Taint %s=%s:%s needs a key and an effect among %v", t.Key, t.Value, t.Effect, taintEffects)
		}
	}
	return nil
}

// newNodegroup is the CREATING node group a checked request asks for.
func (s *Server) newNodegroup(c *cluster, in createNodegroupRequest) *nodegroup {
	ng := &nodegroup{
		name: in.NodegroupName, version: c.version, release: in.ReleaseVersion, status: "CREATING",
		min: 1, max: 2, desired: 2,
		maxUnavailable: int32p(1),
		instanceTypes:  slices.Clone(in.InstanceTypes),
		labels:         maps.Clone(in.Labels),
		taints:         slices.Clone(in.Taints),
		subnets:        slices.Clone(in.Subnets),
		nodeRole:       in.NodeRole,
		amiType:        cmpOr(in.AmiType, defaultAMIType),
		capacity:       cmpOr(in.CapacityType, defaultCapacityType),
		launchTemplate: in.LaunchTemplate,
		createdAt:      time.Now(),
		pollsLeft:      s.PollsToFinish,
		token:          in.ClientRequestToken,
	}
	if releases := releasesFor(c.version); ng.release == "" && len(releases) > 0 {
		ng.release = releases[len(releases)-1]
	}
	if sc := in.ScalingConfig; sc != nil {
		ng.min, ng.max, ng.desired = *sc.MinSize, *sc.MaxSize, *sc.DesiredSize
	}
	if uc := in.UpdateConfig; uc != nil {
		ng.maxUnavailable, ng.maxUnavailPct = uc.MaxUnavailable, uc.MaxUnavailablePercentage
	}
	if in.LaunchTemplate == nil {
		ng.diskSize, ng.remoteAccess = int32p(defaultDiskSize), in.RemoteAccess
		if in.DiskSize != nil {
			ng.diskSize = int32p(*in.DiskSize)
		}
		if len(ng.instanceTypes) == 0 {
			ng.instanceTypes = []string{defaultInstanceType}
		}
	}
	sc := Scope{Nodegroup: ng.name}
	if f, ok := s.failures[sc]; ok {
		ng.fail = &f
		delete(s.failures, sc)
	}
	return ng
}

func cmpOr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// deleteNodegroup starts deleting a node group: DELETING for
// PollsToFinish DescribeNodegroup answers, then gone. A node group being
// created or deleted, or with an update in flight, is refused with
// ResourceInUseException.
func (s *Server) deleteNodegroup(r request) (any, *apiError) {
	name := r.PathValue("nodegroupName")
	ng, err := s.nodegroupFor(r, name)
	if err != nil {
		return nil, err
	}
	if err := busyNodegroup(ng); err != nil {
		return nil, err
	}
	sc := Scope{Nodegroup: name}
	if u := s.inFlight(sc); u != nil {
		e := errInUse("Nodegroup %s has update %s in progress", name, u.id)
		e.nodegroup = name
		return nil, e
	}
	ng.status, ng.pollsLeft = "DELETING", s.PollsToFinish
	if f, ok := s.failures[sc]; ok {
		ng.fail = &f
		delete(s.failures, sc)
	}
	return map[string]wireNodegroup{"nodegroup": s.wireNodegroup(ng)}, nil
}

// beginNodegroupUpdate reads a node group update request into in and
// checks what both node group updates check: the node group exists and is
// not being created or deleted, and no update of it is in flight. A
// request whose token (read after decoding) was answered before gets that
// update again. A nil node group means: answer with answered, err.
func (s *Server) beginNodegroupUpdate(r request, in any, token *string) (ng *nodegroup, answered any, err *apiError) {
	name := r.PathValue("nodegroupName")
	if ng, err = s.nodegroupFor(r, name); err != nil {
		return nil, nil, err
	}
	if err := r.decode(in); err != nil {
		return nil, nil, err
	}
	if u := s.byToken(*token); u != nil {
		return nil, u.wire(), nil
	}
	if err := busyNodegroup(ng); err != nil {
		return nil, nil, err
	}
	if u := s.inFlight(Scope{Nodegroup: name}); u != nil {
		e := errInUse("Nodegroup %s has update %s in progress", name, u.id)
		e.nodegroup = name
		return nil, nil, e
	}
	return ng, nil, nil
}

func (s *Server) updateNodegroupVersion(r request) (any, *apiError) {
	var in updateNodegroupVersionRequest
	ng, answered, err := s.beginNodegroupUpdate(r, &in, &in.ClientRequestToken)
	if ng == nil {
		return answered, err
	}
	name, sc := ng.name, Scope{Nodegroup: ng.name}
	version, release, err := s.nodegroupTarget(ng, in)
	if err != nil {
		err.nodegroup = name
		return nil, err
	}
	u := s.start(sc, "VersionUpdate", in.ClientRequestToken, param("Version", version), param("ReleaseVersion", release))
	ng.status = "UPDATING"
	u.apply = func() {
		moved := ng.version != version
		ng.version, ng.release = version, release
		if moved {
			s.sized(ng, ng.desired)
		}
	}
	u.end = func() { ng.status = "ACTIVE" }
	return u.wire(), nil
}

// nodegroupTarget checks an UpdateNodegroupVersion request: the version
// defaults to the cluster's and may not pass it or go back; the release
// defaults to the version's latest AMI and must be one of its releases.
func (s *Server) nodegroupTarget(ng *nodegroup, in updateNodegroupVersionRequest) (version, release string, err *apiError) {
	version = in.Version
	if version == "" {
		version = s.cluster.version
	}
	if _, _, ok := parseMinor(version); !ok {
		return "", "", errParam("Requested Kubernetes version %s is not valid", version)
	}
	if compareMinor(version, s.cluster.version) > 0 {
		return "", "", errParam("Requested Nodegroup Kubernetes version %s is newer than the cluster's version %s", version, s.cluster.version)
	}
	if compareMinor(version, ng.version) < 0 {
		return "", "", errParam("Nodegroup %s cannot be downgraded from %s to %s", ng.name, ng.version, version)
	}
	releases := releasesFor(version)
	release = in.ReleaseVersion
	switch {
	case release == "" && len(releases) > 0:
		release = releases[len(releases)-1]
	case !slices.Contains(releases, release):
		return "", "", errParam("Requested release version %s is not valid for kubernetes version %s", release, version)
	}
	if version == ng.version && release == ng.release {
		return "", "", errParam("Nodegroup %s is already at version %s with release %s", ng.name, version, release)
	}
	return version, release, nil
}

func (s *Server) updateNodegroupConfig(r request) (any, *apiError) {
	var in updateNodegroupConfigRequest
	ng, answered, err := s.beginNodegroupUpdate(r, &in, &in.ClientRequestToken)
	if ng == nil {
		return answered, err
	}
	name, sc := ng.name, Scope{Nodegroup: ng.name}
	params, err := configParams(ng, in)
	if err != nil {
		err.nodegroup = name
		return nil, err
	}
	u := s.start(sc, "ConfigUpdate", in.ClientRequestToken, params...)
	ng.status = "UPDATING"
	u.apply = func() {
		before := ng.desired
		applyConfig(ng, in)
		if ng.desired != before {
			s.sized(ng, ng.desired)
		}
	}
	u.end = func() { ng.status = "ACTIVE" }
	return u.wire(), nil
}

// configParams checks an UpdateNodegroupConfig request and returns the
// update's params.
func configParams(ng *nodegroup, in updateNodegroupConfigRequest) ([]wireUpdateParam, *apiError) {
	var params []wireUpdateParam
	if uc := in.UpdateConfig; uc != nil {
		if (uc.MaxUnavailable != nil) == (uc.MaxUnavailablePercentage != nil) {
			return nil, errParam("updateConfig needs exactly one of maxUnavailable and maxUnavailablePercentage")
		}
		if v := uc.MaxUnavailable; v != nil {
			if *v < 1 || *v > 100 {
				return nil, errParam("maxUnavailable must be between 1 and 100")
			}
			params = append(params, param("MaxUnavailable", strconv.Itoa(int(*v))))
		}
		if v := uc.MaxUnavailablePercentage; v != nil {
			if *v < 1 || *v > 100 {
				return nil, errParam("maxUnavailablePercentage must be between 1 and 100")
			}
			params = append(params, param("MaxUnavailablePercentage", strconv.Itoa(int(*v))))
		}
	}
	if sc := in.ScalingConfig; sc != nil {
		lo, hi, want := pick(sc.MinSize, ng.min), pick(sc.MaxSize, ng.max), pick(sc.DesiredSize, ng.desired)
		if err := checkScaling(lo, hi, want); err != nil {
			return nil, err
		}
		params = append(params, param("MinSize", strconv.Itoa(int(lo))), param("MaxSize", strconv.Itoa(int(hi))), param("DesiredSize", strconv.Itoa(int(want))))
	}
	if len(params) == 0 {
		return nil, errParam("No changes needed")
	}
	return params, nil
}

// checkScaling checks a scaling config: sizes from 0, maxSize from 1,
// desiredSize between minSize and maxSize.
func checkScaling(lo, hi, want int32) *apiError {
	switch {
	case lo < 0 || want < 0:
		return errParam("minSize and desiredSize must be at least 0")
	case hi < 1:
		return errParam("maxSize must be at least 1")
	case lo > want || want > hi:
		return errParam("desiredSize %d must be between minSize %d and maxSize %d", want, lo, hi)
	}
	return nil
}

func pick(v *int32, def int32) int32 {
	if v != nil {
		return *v
	}
	return def
}

func applyConfig(ng *nodegroup, in updateNodegroupConfigRequest) {
	if uc := in.UpdateConfig; uc != nil {
		ng.maxUnavailable, ng.maxUnavailPct = uc.MaxUnavailable, uc.MaxUnavailablePercentage
	}
	if sc := in.ScalingConfig; sc != nil {
		ng.min, ng.max, ng.desired = pick(sc.MinSize, ng.min), pick(sc.MaxSize, ng.max), pick(sc.DesiredSize, ng.desired)
	}
}

// Add-ons.

func (s *Server) listAddons(r request) (any, *apiError) {
	if _, err := s.clusterFor(r); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(s.addons))
	for _, a := range s.addons {
		names = append(names, a.name)
	}
	return s.listPage(r, "addons", names)
}

func (s *Server) describeAddon(r request) (any, *apiError) {
	a, err := s.addonFor(r, r.PathValue("addonName"))
	if err != nil {
		return nil, err
	}
	return map[string]wireAddon{"addon": {
		AddonName:    a.name,
		ClusterName:  s.cluster.name,
		AddonVersion: a.version,
		AddonArn:     fmt.Sprintf("arn:aws:eks:%s:%s:addon/%s/%s/5ec2b1d0-7f3a-4c1e-8b2d-6a9f0e1c2d3b", Region, Account, s.cluster.name, a.name),
		Status:       a.status,
		CreatedAt:    at(seededAt),
		ModifiedAt:   at(seededAt),
	}}, nil
}

var resolveConflicts = []string{"OVERWRITE", "NONE", "PRESERVE"}

func (s *Server) updateAddon(r request) (any, *apiError) {
	name := r.PathValue("addonName")
	a, err := s.addonFor(r, name)
	if err != nil {
		return nil, err
	}
	var in updateAddonRequest
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if u := s.byToken(in.ClientRequestToken); u != nil {
		return u.wire(), nil
	}
	sc := Scope{Addon: name}
	if u := s.inFlight(sc); u != nil {
		e := errInUse("Addon %s has update %s in progress", name, u.id)
		e.addonNm = name
		return nil, e
	}
	if in.ResolveConflicts != "" && !slices.Contains(resolveConflicts, in.ResolveConflicts) {
		return nil, errParam("resolveConflicts must be one of %v", resolveConflicts)
	}
	version := in.AddonVersion
	if version == "" {
		version = s.defaultAddonVersion(name, s.cluster.version)
	}
	if !s.compatible(name, version, s.cluster.version) {
		e := errParam("Addon version %s is not supported for addon %s with Kubernetes version %s", version, name, s.cluster.version)
		e.addonNm = name
		return nil, e
	}
	params := []wireUpdateParam{param("AddonVersion", version)}
	if in.ResolveConflicts != "" {
		params = append(params, param("ResolveConflicts", in.ResolveConflicts))
	}
	u := s.start(sc, "AddonUpdate", in.ClientRequestToken, params...)
	a.status = "UPDATING"
	u.apply = func() { a.version = version }
	u.end = func() { a.status = "ACTIVE" }
	return u.wire(), nil
}

// versionsFor returns an add-on's catalog versions that run on
// kubernetesVersion (all of them when it is "").
func (s *Server) versionsFor(info wireAddonInfo, kubernetesVersion string) []wireAddonVersion {
	var out []wireAddonVersion
	for _, v := range info.AddonVersions {
		if kubernetesVersion == "" || slices.ContainsFunc(v.Compatibilities, func(c wireCompatibility) bool { return c.ClusterVersion == kubernetesVersion }) {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) compatible(name, version, kubernetesVersion string) bool {
	for _, info := range s.catalog {
		if info.AddonName != name {
			continue
		}
		for _, v := range s.versionsFor(info, kubernetesVersion) {
			if v.AddonVersion == version {
				return true
			}
		}
	}
	return false
}

func (s *Server) defaultAddonVersion(name, kubernetesVersion string) string {
	for _, info := range s.catalog {
		if info.AddonName != name {
			continue
		}
		for _, v := range info.AddonVersions {
			for _, c := range v.Compatibilities {
				if c.ClusterVersion == kubernetesVersion && c.DefaultVersion {
					return v.AddonVersion
				}
			}
		}
	}
	return ""
}

func (s *Server) describeAddonVersions(r request) (any, *apiError) {
	q := r.URL.Query()
	name, k8s := q.Get("addonName"), q.Get("kubernetesVersion")
	var infos []wireAddonInfo
	for _, info := range s.catalog {
		if name != "" && info.AddonName != name {
			continue
		}
		if versions := s.versionsFor(info, k8s); len(versions) > 0 {
			info.AddonVersions = versions
			infos = append(infos, info)
		}
	}
	infos, next, err := pageOf(s, infos, q.Get("maxResults"), q.Get("nextToken"))
	if err != nil {
		return nil, err
	}
	return listBody("addons", infos, next), nil
}

// Insights.

func (s *Server) listInsights(r request) (any, *apiError) {
	if _, err := s.clusterFor(r); err != nil {
		return nil, err
	}
	var in listInsightsRequest
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	var out []wireInsightSummary
	for _, ins := range s.insights {
		if in.Filter != nil && !matches(in.Filter.Categories, ins.Category) ||
			in.Filter != nil && !matches(in.Filter.Statuses, ins.InsightStatus.Status) ||
			in.Filter != nil && !matches(in.Filter.KubernetesVersions, ins.KubernetesVersion) {
			continue
		}
		out = append(out, ins.wireInsightSummary)
	}
	maxResults := ""
	if in.MaxResults != 0 {
		maxResults = strconv.Itoa(in.MaxResults)
	}
	out, next, err := pageOf(s, out, maxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return listBody("insights", out, next), nil
}

// matches is a filter's test: an empty filter lets everything through.
func matches(filter []string, v string) bool {
	return len(filter) == 0 || slices.Contains(filter, v)
}

func (s *Server) describeInsight(r request) (any, *apiError) {
	if _, err := s.clusterFor(r); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	for _, ins := range s.insights {
		if ins.ID == id {
			return map[string]wireInsight{"insight": ins}, nil
		}
	}
	return nil, errNotFound("No insight found for id: %s", id)
}

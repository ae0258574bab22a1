package akstest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Resource lookups. Each answers 404 with the code ARM or AKS uses for
// what it did not find.

func (s *Server) scope(r request) *apiError {
	if sub := r.PathValue("sub"); !strings.EqualFold(sub, SubscriptionID) {
		return errorf(http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", sub)
	}
	if rg := r.PathValue("rg"); rg != "" && !strings.EqualFold(rg, ResourceGroup) {
		return errorf(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rg)
	}
	if name := r.PathValue("name"); name != "" && !strings.EqualFold(name, ClusterName) {
		return errorf(http.StatusNotFound, "ResourceNotFound",
			"The Resource 'Microsoft.ContainerService/managedClusters/%s' under resource group '%s' was not found.", name, r.PathValue("rg"))
	}
	return nil
}

func (s *Server) pool(name string) *pool {
	for _, p := range s.pools {
		if strings.EqualFold(p.name, name) {
			return p
		}
	}
	return nil
}

func (s *Server) poolFor(r request) (*pool, *apiError) {
	if err := s.scope(r); err != nil {
		return nil, err
	}
	name := r.PathValue("pool")
	p := s.pool(name)
	if p == nil {
		return nil, errorf(http.StatusNotFound, "NotFound", "Agent pool %s was not found in managed cluster %s.", name, ClusterName)
	}
	return p, nil
}

func (s *Server) operation(id string) *operation {
	for _, op := range s.ops {
		if op.id == id {
			return op
		}
	}
	return nil
}

// Versions.

// parseVersion reads a version as AKS takes it: "1.23" (a minor) or
// "1.23.12"; patch is -1 for a minor.
func parseVersion(v string) (major, minor, patch int, ok bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	nums := []int{0, 0, -1}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, 0, 0, false
		}
		nums[i] = n
	}
	return nums[0], nums[1], nums[2], true
}

// minorOf is a valid version's minor ("1.23").
func minorOf(v string) string {
	major, minor, _, _ := parseVersion(v)
	return fmt.Sprintf("%d.%d", major, minor)
}

// compareVersions compares two full versions.
func compareVersions(a, b string) int {
	am, an, ap, _ := parseVersion(a)
	bm, bn, bp, _ := parseVersion(b)
	if c := am - bm; c != 0 {
		return c
	}
	if c := an - bn; c != 0 {
		return c
	}
	return ap - bp
}

// resolve returns the full version v names: v itself when it is offered,
// the latest patch of its minor when v is a minor.
func resolve(v string) (string, bool) {
	_, _, patch, ok := parseVersion(v)
	if !ok {
		return "", false
	}
	offered := catalog[minorOf(v)]
	if len(offered) == 0 {
		return "", false
	}
	if patch < 0 {
		return offered[len(offered)-1], true
	}
	return v, slices.Contains(offered, v)
}

// offered lists every offered version, oldest first, that keep accepts.
func offered(keep func(string) bool) []string {
	var out []string
	for _, versions := range catalog {
		for _, v := range versions {
			if keep(v) {
				out = append(out, v)
			}
		}
	}
	slices.SortFunc(out, compareVersions)
	return out
}

// upgradesFrom are the versions the control plane may move to from cur:
// newer ones, at most one minor up.
func upgradesFrom(cur string) []string {
	cm, cn, _, _ := parseVersion(cur)
	return offered(func(v string) bool {
		m, n, _, _ := parseVersion(v)
		return compareVersions(v, cur) > 0 && m == cm && n <= cn+1
	})
}

// poolUpgrades are the versions a pool may move to: newer than its own,
// not newer than the control plane's.
func (s *Server) poolUpgrades(p *pool) []string {
	return offered(func(v string) bool {
		return compareVersions(v, p.current) > 0 && compareVersions(v, s.cluster.current) <= 0
	})
}

func wireUpgrades(versions []string) []wireUpgrade {
	out := make([]wireUpgrade, 0, len(versions))
	for _, v := range versions {
		out = append(out, wireUpgrade{KubernetesVersion: v})
	}
	return out
}

// controlPlaneTarget checks the control plane version a cluster PUT asks
// for and returns the full version it names; "" keeps the current one.
func (s *Server) controlPlaneTarget(asked string) (string, *apiError) {
	cur := s.cluster.current
	if asked == "" {
		return cur, nil
	}
	full, ok := resolve(asked)
	if !ok {
		e := invalidParameter("properties.kubernetesVersion", "Version %s is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region.", asked)
		return "", e
	}
	if compareVersions(full, cur) < 0 {
		return "", badRequest("OperationNotAllowed", "Downgrading Kubernetes version %s to %s is not allowed.", cur, full)
	}
	if compareVersions(full, cur) > 0 && !slices.Contains(upgradesFrom(cur), full) {
		return "", badRequest("OperationNotAllowed",
			"Upgrading Kubernetes version %s to %s is not allowed. Available upgrades: %v. Please see https://aka.ms/aks-supported-k8s-ver for version details.",
			cur, full, upgradesFrom(cur))
	}
	return full, nil
}

// poolTarget checks the version asked for pool p with the control plane at
// cp and returns the full version it names. A minor names the control
// plane's version when it is the control plane's minor.
func poolTarget(p *pool, asked, cp string) (string, *apiError) {
	full, ok := resolve(asked)
	if _, _, patch, _ := parseVersion(asked); ok && patch < 0 && minorOf(asked) == minorOf(cp) {
		full = cp
	}
	if !ok {
		return "", invalidParameter("properties.orchestratorVersion", "Version %s is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region.", asked)
	}
	if compareVersions(full, cp) > 0 {
		return "", incompatible(full, cp)
	}
	if compareVersions(full, p.current) < 0 {
		return "", badRequest("OperationNotAllowed", "Downgrading agent pool %s version from %s to %s is not allowed.", p.name, p.current, full)
	}
	return full, nil
}

// incompatible is AKS's refusal of a node pool newer than its control
// plane.
func incompatible(pool, cp string) *apiError {
	_, pn, pp, _ := parseVersion(pool)
	_, cn, cpatch, _ := parseVersion(cp)
	detail := fmt.Sprintf("Minor version of node pool version %d is bigger than control plane version %d.", pn, cn)
	if pn == cn {
		detail = fmt.Sprintf("Patch version of node pool version %d is bigger than control plane version %d.", pp, cpatch)
	}
	return badRequest("NodePoolMcVersionIncompatible",
		"Node pool version %s and control plane version %s are incompatible. %s For more information, please check https://aka.ms/version-skew-policy", pool, cp, detail)
}

// checkUpgradeSettings checks an agent pool's upgradeSettings as AKS
// does: maxSurge a positive count or a percentage up to 100%, the drain
// timeout between 1 and 1440 minutes.
func checkUpgradeSettings(u *wireUpgradeSettings) *apiError {
	if u == nil {
		return nil
	}
	if u.MaxSurge != nil {
		v := *u.MaxSurge
		num, pct := strings.CutSuffix(v, "%")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || pct && n > 100 {
			return invalidParameter("properties.upgradeSettings.maxSurge",
				"The value of parameter agentPoolProfile.upgradeSettings.maxSurge %q is invalid: use a positive integer (e.g. 5) or a percentage from 1%% to 100%% (e.g. 33%%).", v)
		}
	}
	if d := u.DrainTimeoutInMinutes; d != nil && (*d < 1 || *d > 1440) {
		return invalidParameter("properties.upgradeSettings.drainTimeoutInMinutes",
			"The value of parameter agentPoolProfile.upgradeSettings.drainTimeoutInMinutes %d is invalid: it must be between 1 and 1440.", *d)
	}
	return nil
}

// Operations.

func (s *Server) inFlight() *operation {
	for _, op := range s.ops {
		if op.status == opInProgress {
			return op
		}
	}
	return nil
}

// busy is AKS's refusal of an operation while op runs on the cluster.
func busy(op *operation) *apiError {
	if op.target == "" {
		verb := map[string]string{stateUpgrading: "upgrade", stateUpdating: "update"}[op.state]
		return errorf(http.StatusConflict, "OperationNotAllowed",
			"Operation is not allowed because there's an in progress %s managed cluster operation (operation ID: %s) on the managed cluster started on UTC %s. Please wait for it to finish before starting a new operation.",
			verb, op.id, op.started.UTC().Format(time.RFC3339))
	}
	return errorf(http.StatusConflict, "OperationNotAllowed",
		"Operation is not allowed: Another agentpool operation (%s - %s) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details",
		op.target, op.state)
}

// start records a new operation on target ("" for the cluster); the
// caller sets its apply and end.
func (s *Server) start(target, state string) *operation {
	s.seq++
	n := len(s.ops) + 1
	op := &operation{
		id:        fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", s.seq*2654435761&0xffffffff, n, s.seq%0x1000, n%0x1000, time.Now().UnixNano()&0xffffffffffff),
		target:    target,
		state:     state,
		status:    opInProgress,
		pollsLeft: s.PollsToFinish,
		started:   time.Now(),
		apply:     func() {},
		end:       func(string) {},
	}
	if f, ok := s.failures[target]; ok {
		op.fail = &f
		delete(s.failures, target)
	}
	s.ops = append(s.ops, op)
	return op
}

// advance counts one observation of op and ends it once it has been seen
// InProgress PollsToFinish times.
func (op *operation) advance() {
	if op.status != opInProgress {
		return
	}
	if op.pollsLeft > 0 {
		op.pollsLeft--
		return
	}
	op.ended = time.Now()
	if op.fail != nil {
		op.status = stateFailed
	} else {
		op.status = stateSucceeded
		op.apply()
	}
	op.end(op.status)
}

// observe advances the operation in flight on target, as a GET of the
// resource it changes shows its progress.
func (s *Server) observe(target string) {
	for _, op := range s.ops {
		if op.status == opInProgress && strings.EqualFold(op.target, target) {
			op.advance()
		}
	}
}

// accepted answers a PUT that started op: 200 with the resource and the
// Azure-AsyncOperation header.
func (s *Server) accepted(op *operation, body any) reply {
	h := http.Header{}
	h.Set("Azure-AsyncOperation", s.link(operationID(op.id), nil))
	return reply{status: http.StatusOK, header: h, body: body}
}

func (s *Server) operationStatus(r request) (reply, *apiError) {
	if err := s.scope(r); err != nil {
		return reply{}, err
	}
	id := r.PathValue("id")
	op := s.operation(id)
	if op == nil || !strings.EqualFold(r.PathValue("location"), Location) {
		return reply{}, errorf(http.StatusNotFound, "NotFound", "Operation %s was not found in location %s.", id, r.PathValue("location"))
	}
	op.advance()
	return ok(op.wire()), nil
}

// Managed cluster.

func (s *Server) clusterWire() wireManagedCluster {
	c := s.cluster
	rbac := true
	props := wireClusterProperties{
		ProvisioningState:        c.state,
		PowerState:               &wirePowerState{Code: "Running"},
		KubernetesVersion:        c.kubernetesVersion,
		CurrentKubernetesVersion: c.current,
		DNSPrefix:                ClusterName + "-prod-dns",
		Fqdn:                     ClusterName + "-prod-dns-5f3c2a1b.hcp." + Location + ".azmk8s.io",
		AddonProfiles:            c.addons,
		ServicePrincipalProfile:  &wireServicePrincipal{ClientID: "msi"},
		NodeResourceGroup:        "MC_" + ResourceGroup + "_" + ClusterName + "_" + Location,
		EnableRBAC:               &rbac,
		MaxAgentPools:            100,
	}
	for _, p := range s.pools {
		props.AgentPoolProfiles = append(props.AgentPoolProfiles, wirePoolProfile{Name: p.name, wirePoolProperties: p.properties()})
	}
	return wireManagedCluster{
		ID:         clusterID(),
		Name:       ClusterName,
		Type:       "Microsoft.ContainerService/ManagedClusters",
		Location:   Location,
		ETag:       c.etag,
		Tags:       map[string]string{"app": "vantiq", "env": "prod"},
		SKU:        &wireSKU{Name: "Base", Tier: "Standard"},
		Identity:   &wireIdentity{Type: "SystemAssigned", PrincipalID: "0f1e2d3c-4b5a-4969-8877-665544332211", TenantID: "11223344-5566-4778-8899-aabbccddeeff"},
		Properties: props,
	}
}

func (s *Server) getCluster(r request) (reply, *apiError) {
	if err := s.scope(r); err != nil {
		return reply{}, err
	}
	s.observe("")
	return ok(s.clusterWire()), nil
}

// poolMove is a pool whose orchestratorVersion a cluster PUT changes: it
// moves with the control plane.
type poolMove struct {
	p           *pool
	asked, full string
}

// poolMoves reads the agentPoolProfiles of a cluster PUT: each pool whose
// orchestratorVersion differs from the one it has is upgraded with the
// control plane (to cp), as AKS does when not asked for the control plane
// only.
func (s *Server) poolMoves(profiles []wirePoolProfile, cp string) ([]poolMove, *apiError) {
	var moves []poolMove
	for _, prof := range profiles {
		p := s.pool(prof.Name)
		if p == nil || prof.OrchestratorVersion == "" || prof.OrchestratorVersion == p.orchestratorVersion {
			continue
		}
		full, err := poolTarget(p, prof.OrchestratorVersion, cp)
		if err != nil {
			return nil, err
		}
		moves = append(moves, poolMove{p: p, asked: prof.OrchestratorVersion, full: full})
	}
	return moves, nil
}

func (s *Server) putCluster(r request) (reply, *apiError) {
	if err := s.scope(r); err != nil {
		return reply{}, err
	}
	var in wireManagedCluster
	if err := r.decode(&in); err != nil {
		return reply{}, err
	}
	c := s.cluster
	if err := checkIfMatch(r, c.etag); err != nil {
		return reply{}, err
	}
	if !strings.EqualFold(in.Location, Location) {
		return reply{}, invalidParameter("location", "The location of managed cluster %s is %s and cannot be changed to %q.", ClusterName, Location, in.Location)
	}
	if op := s.inFlight(); op != nil {
		return reply{}, busy(op)
	}
	target, err := s.controlPlaneTarget(in.Properties.KubernetesVersion)
	if err != nil {
		return reply{}, err
	}
	moves, err := s.poolMoves(in.Properties.AgentPoolProfiles, target)
	if err != nil {
		return reply{}, err
	}
	state := stateUpdating
	if target != c.current || len(moves) > 0 {
		state = stateUpgrading
	}
	op := s.start("", state)
	if in.Properties.KubernetesVersion != "" {
		c.kubernetesVersion = in.Properties.KubernetesVersion
	}
	c.state, c.etag = state, s.newETag()
	for _, m := range moves {
		m.p.orchestratorVersion, m.p.state = m.asked, state
	}
	op.apply = func() {
		c.current = target
		for _, m := range moves {
			m.p.current, m.p.nodeImage = m.full, nodeImages[minorOf(m.full)]
		}
	}
	op.end = func(final string) {
		c.state = final
		for _, m := range moves {
			m.p.state = final
		}
	}
	return s.accepted(op, s.clusterWire()), nil
}

func (s *Server) clusterUpgradeProfile(r request) (reply, *apiError) {
	if err := s.scope(r); err != nil {
		return reply{}, err
	}
	var out wireClusterUpgradeProfile
	out.ID = clusterID() + "/upgradeProfiles/default"
	out.Name = "default"
	out.Type = "Microsoft.ContainerService/managedClusters/upgradeProfiles"
	out.Properties.ControlPlaneProfile = wirePoolUpgradeProfile{
		KubernetesVersion: s.cluster.current, OSType: "Linux", Upgrades: wireUpgrades(upgradesFrom(s.cluster.current)),
	}
	out.Properties.AgentPoolProfiles = []wirePoolUpgradeProfile{}
	for _, p := range s.pools {
		out.Properties.AgentPoolProfiles = append(out.Properties.AgentPoolProfiles, wirePoolUpgradeProfile{
			Name: p.name, KubernetesVersion: p.current, OSType: "Linux", Upgrades: wireUpgrades(s.poolUpgrades(p)),
		})
	}
	return ok(out), nil
}

// Agent pools.

func (p *pool) properties() wirePoolProperties {
	count := p.count
	props := wirePoolProperties{
		Count: &count, VMSize: p.vmSize, OSType: "Linux", OSSKU: "Ubuntu", Mode: p.mode, Type: p.typ,
		OrchestratorVersion:        p.orchestratorVersion,
		CurrentOrchestratorVersion: p.current,
		NodeImageVersion:           p.nodeImage,
		ProvisioningState:          p.state,
		PowerState:                 &wirePowerState{Code: "Running"},
		NodeLabels:                 p.labels,
		ETag:                       p.etag,
	}
	if p.maxSurge != nil || p.drainTimeout != nil || p.soakDuration != nil {
		props.UpgradeSettings = &wireUpgradeSettings{MaxSurge: p.maxSurge, DrainTimeoutInMinutes: p.drainTimeout, NodeSoakDurationInMinutes: p.soakDuration}
	}
	return props
}

func (p *pool) wire() wireAgentPool {
	return wireAgentPool{ID: poolID(p.name), Name: p.name, Type: "Microsoft.ContainerService/managedClusters/agentPools", Properties: p.properties()}
}

func (s *Server) listPools(r request) (reply, *apiError) {
	if err := s.scope(r); err != nil {
		return reply{}, err
	}
	start := 0
	if tok := r.URL.Query().Get("$skipToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(s.pools) {
			return reply{}, invalidParameter("$skipToken", "The $skipToken %q is not valid.", tok)
		}
		start = n
	}
	end := min(start+max(1, s.MaxPageSize), len(s.pools))
	out := wireAgentPoolList{Value: []wireAgentPool{}}
	for _, p := range s.pools[start:end] {
		out.Value = append(out.Value, p.wire())
	}
	if end < len(s.pools) {
		out.NextLink = s.link(clusterID()+"/agentPools", url.Values{"$skipToken": {strconv.Itoa(end)}})
	}
	return ok(out), nil
}

func (s *Server) getPool(r request) (reply, *apiError) {
	p, err := s.poolFor(r)
	if err != nil {
		return reply{}, err
	}
	s.observe(p.name)
	return ok(p.wire()), nil
}

func (s *Server) putPool(r request) (reply, *apiError) {
	p, err := s.poolFor(r)
	if err != nil {
		return reply{}, err
	}
	var in wireAgentPool
	if err := r.decode(&in); err != nil {
		return reply{}, err
	}
	if err := checkIfMatch(r, p.etag); err != nil {
		return reply{}, err
	}
	if op := s.inFlight(); op != nil {
		return reply{}, busy(op)
	}
	props := in.Properties
	asked := props.OrchestratorVersion
	if asked == "" {
		asked = p.orchestratorVersion
	}
	full, err := poolTarget(p, asked, s.cluster.current)
	if err != nil {
		return reply{}, err
	}
	if err := checkUpgradeSettings(props.UpgradeSettings); err != nil {
		return reply{}, err
	}
	state := stateUpdating
	if full != p.current {
		state = stateUpgrading
	}
	op := s.start(p.name, state)
	p.orchestratorVersion, p.state, p.etag = asked, state, s.newETag()
	p.maxSurge, p.drainTimeout, p.soakDuration = nil, nil, nil
	if u := props.UpgradeSettings; u != nil {
		p.maxSurge, p.drainTimeout, p.soakDuration = u.MaxSurge, u.DrainTimeoutInMinutes, u.NodeSoakDurationInMinutes
	}
	if props.Count != nil {
		p.count = *props.Count
	}
	op.apply = func() { p.current, p.nodeImage = full, nodeImages[minorOf(full)] }
	op.end = func(final string) { p.state = final }
	return s.accepted(op, p.wire()), nil
}

func (s *Server) poolUpgradeProfile(r request) (reply, *apiError) {
	p, err := s.poolFor(r)
	if err != nil {
		return reply{}, err
	}
	var out wireAgentPoolUpgradeProfile
	out.ID = poolID(p.name) + "/upgradeProfiles/default"
	out.Name = "default"
	out.Type = "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles"
	out.Properties.KubernetesVersion = p.current
	out.Properties.OSType = "Linux"
	out.Properties.Upgrades = wireUpgrades(s.poolUpgrades(p))
	out.Properties.LatestNodeImageVersion = nodeImages[minorOf(p.current)]
	return ok(out), nil
}

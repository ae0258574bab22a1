package main

import (
	"strings"
	"testing"
)

// world builds releases 1.first..1.last from per-kind facts.
type world struct {
	first, last int
	kinds       []fact
}

// fact says in which minors a kind was served and registered, and what the
// newest lifecycle declaration says.
type fact struct {
	k                      gvk
	servedFrom, servedTo   int // 0, 0: never served
	presentFrom, presentTo int // 0, 0: never registered
	lc                     lifecycle
	lcFrom                 int // first minor with the declaration; default servedFrom
}

func (w world) releases() []release {
	var rs []release
	for m := w.first; m <= w.last; m++ {
		r := newRelease(m)
		for _, f := range w.kinds {
			if f.servedFrom != 0 && m >= f.servedFrom && m <= f.servedTo {
				r.Served[f.k] = true
			}
			if f.presentFrom != 0 && m >= f.presentFrom && m <= f.presentTo {
				r.Present[f.k] = true
				from := f.lcFrom
				if from == 0 {
					from = f.presentFrom
				}
				if f.lc != (lifecycle{}) && m >= from {
					r.Lifecycle[f.k] = f.lc
				}
			}
		}
		rs = append(rs, r)
	}
	return rs
}

var (
	extIngress   = gvk{"extensions", "v1beta1", "Ingress"}
	netIngress   = gvk{"networking.k8s.io", "v1", "Ingress"}
	netIngressL  = gvk{"networking.k8s.io", "v1", "IngressList"}
	extIngressL  = gvk{"extensions", "v1beta1", "IngressList"}
	rbacAlpha    = gvk{"rbac.authorization.k8s.io", "v1alpha1", "Role"}
	rbacBeta     = gvk{"rbac.authorization.k8s.io", "v1beta1", "Role"}
	rbacV1       = gvk{"rbac.authorization.k8s.io", "v1", "Role"}
	evictionBeta = gvk{"policy", "v1beta1", "Eviction"}
)

// summary renders entries compactly: "apiVersion kind dep..rem -> repl".
func summary(es []entry) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Key.String() + " " + orDash(formatMinor(e.DeprecatedIn)) + ".." + formatMinor(e.RemovedIn) + " -> " + optional(e.Replacement))
		if e.Notes != "" {
			b.WriteString(" (" + e.Notes + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestDerive(t *testing.T) {
	ingress := world{first: 20, last: 24, kinds: []fact{
		{k: extIngress, servedFrom: 20, servedTo: 21, presentFrom: 20, presentTo: 24,
			lc: lifecycle{Deprecated: 14, Removed: 22, Replacement: netIngress}},
		{k: extIngressL, servedFrom: 20, servedTo: 21, presentFrom: 20, presentTo: 24,
			lc: lifecycle{Deprecated: 13, Removed: 21}}, // disagrees with its item
		{k: netIngress, servedFrom: 20, servedTo: 24, presentFrom: 20, presentTo: 24},
		{k: netIngressL, servedFrom: 20, servedTo: 24, presentFrom: 20, presentTo: 24},
	}}
	tests := []struct {
		name    string
		w       world
		ov      overrides
		want    string
		wantErr string
		warning string
	}{{
		name: "declared removal, list follows item",
		w:    ingress,
		want: "extensions/v1beta1 Ingress 1.14..1.22 -> networking.k8s.io/v1/Ingress\n" +
			"extensions/v1beta1 IngressList 1.14..1.22 -> networking.k8s.io/v1/IngressList\n",
		warning: "IngressList: declares deprecated 1.13, removed 1.21, unlike its item",
	}, {
		name: "alpha without declarations: first minor not served; replacement inferred",
		w: world{first: 21, last: 24, kinds: []fact{
			{k: rbacAlpha, servedFrom: 21, servedTo: 22, presentFrom: 21, presentTo: 24},
			{k: rbacBeta, servedFrom: 21, servedTo: 21, presentFrom: 21, presentTo: 24,
				lc: lifecycle{Deprecated: 17, Removed: 22, Replacement: rbacV1}},
			{k: rbacV1, servedFrom: 21, servedTo: 24, presentFrom: 21, presentTo: 24},
		}},
		want: "rbac.authorization.k8s.io/v1beta1 Role 1.17..1.22 -> rbac.authorization.k8s.io/v1/Role\n" +
			"rbac.authorization.k8s.io/v1alpha1 Role -..1.23 -> rbac.authorization.k8s.io/v1/Role\n",
	}, {
		name: "declared removal later than the real one; deprecation after removal dropped",
		w: world{first: 30, last: 34, kinds: []fact{
			{k: gvk{"networking.k8s.io", "v1alpha1", "IPAddress"}, servedFrom: 30, servedTo: 30, presentFrom: 30, presentTo: 33,
				lc: lifecycle{Deprecated: 31, Removed: 33}},
		}},
		want: "networking.k8s.io/v1alpha1 IPAddress -..1.31 -> -\n",
	}, {
		name: "unregistered before the spec says: the earlier wins",
		w: world{first: 30, last: 34, kinds: []fact{
			{k: gvk{"x.k8s.io", "v1alpha1", "Thing"}, servedFrom: 30, servedTo: 33, presentFrom: 30, presentTo: 31},
		}},
		want:    "x.k8s.io/v1alpha1 Thing -..1.32 -> -\n",
		warning: "x.k8s.io/v1alpha1 Thing: served until 1.33 but registered only until 1.31",
	}, {
		name: "future removal listed only once deprecated",
		w: world{first: 35, last: 37, kinds: []fact{
			{k: gvk{"a.k8s.io", "v1beta1", "Deprecated"}, servedFrom: 35, servedTo: 37, presentFrom: 35, presentTo: 37,
				lc: lifecycle{Introduced: 34, Deprecated: 37, Removed: 40}},
			{k: gvk{"a.k8s.io", "v1beta1", "Fresh"}, servedFrom: 35, servedTo: 37, presentFrom: 35, presentTo: 37,
				lc: lifecycle{Introduced: 36, Deprecated: 39, Removed: 42}},
		}},
		want: "a.k8s.io/v1beta1 Deprecated 1.37..1.40 -> -\n",
	}, {
		name: "never-served kinds are not REST resources",
		w: world{first: 20, last: 23, kinds: []fact{
			{k: gvk{"admission.k8s.io", "v1beta1", "AdmissionReview"}, presentFrom: 20, presentTo: 23,
				lc: lifecycle{Deprecated: 19, Removed: 22}},
		}},
		want: "",
	}, {
		name: "declared replacement never served is dropped; list-kind typo fixed",
		w: world{first: 20, last: 23, kinds: []fact{
			{k: gvk{"apps", "v1beta1", "DeploymentRollback"}, servedFrom: 20, servedTo: 20, presentFrom: 20, presentTo: 23,
				lc: lifecycle{Removed: 16, Replacement: gvk{"apps", "v1", "DeploymentRollback"}}},
			{k: gvk{"networking.k8s.io", "v1beta1", "IngressClass"}, servedFrom: 20, servedTo: 21, presentFrom: 20, presentTo: 23,
				lc: lifecycle{Deprecated: 19, Removed: 22, Replacement: gvk{"networking.k8s.io", "v1", "IngressClassList"}}},
			{k: gvk{"networking.k8s.io", "v1", "IngressClass"}, servedFrom: 20, servedTo: 23, presentFrom: 20, presentTo: 23},
			{k: gvk{"networking.k8s.io", "v1", "IngressClassList"}, servedFrom: 20, servedTo: 23, presentFrom: 20, presentTo: 23},
		}},
		want: "apps/v1beta1 DeploymentRollback -..1.16 -> -\n" +
			"networking.k8s.io/v1beta1 IngressClass 1.19..1.22 -> networking.k8s.io/v1/IngressClass\n",
		warning: "declared replacement networking.k8s.io/v1 IngressClassList is the list kind",
	}, {
		name: "overrides exclude and set",
		w: world{first: 20, last: 26, kinds: []fact{
			{k: evictionBeta, servedFrom: 20, servedTo: 21, presentFrom: 20, presentTo: 26,
				lc: lifecycle{Deprecated: 22, Removed: 25}},
			{k: extIngress, servedFrom: 20, servedTo: 21, presentFrom: 20, presentTo: 26,
				lc: lifecycle{Deprecated: 14, Removed: 22}},
		}},
		ov: overrides{
			Exclude: []exclusion{{APIVersion: "policy/v1beta1", Kind: "Eviction", Reason: "still accepted"}},
			Set: []override{
				{APIVersion: "extensions/v1beta1", Kind: "Ingress", Replacement: "networking.k8s.io/v1", Notes: "n", Reason: "r"},
				{APIVersion: "extensions/v1beta1", Kind: "Gone", RemovedIn: "1.16", Reason: "pre-lifecycle"},
			},
		},
		want: "extensions/v1beta1 Gone -..1.16 -> -\n" +
			"extensions/v1beta1 Ingress 1.14..1.22 -> networking.k8s.io/v1/Ingress (n)\n",
	}, {
		name: "override that changes nothing",
		w:    ingress,
		ov: overrides{Set: []override{
			{APIVersion: "extensions/v1beta1", Kind: "Ingress", RemovedIn: "1.22", Reason: "r"},
		}},
		wantErr: "override of extensions/v1beta1 Ingress changes nothing",
	}, {
		name: "exclusion that matches nothing",
		w:    ingress,
		ov: overrides{Exclude: []exclusion{
			{APIVersion: "policy/v1beta1", Kind: "Eviction", Reason: "r"},
		}},
		wantErr: "exclusion of policy/v1beta1 Eviction matches no derived entry",
	}, {
		name: "override of a never-served kind without removedIn",
		w:    ingress,
		ov: overrides{Set: []override{
			{APIVersion: "x/v1", Kind: "Y", Notes: "n", Reason: "r"},
		}},
		wantErr: "x/v1 Y was never served, so its override must set removedIn",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := derive(tt.w.releases(), tt.ov)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("derive() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("derive() error = %v", err)
			}
			if got := summary(res.Entries); got != tt.want {
				t.Errorf("derive() entries:\n%s\nwant:\n%s", got, tt.want)
			}
			if tt.warning != "" && !strings.Contains(strings.Join(res.Warnings, "\n"), tt.warning) {
				t.Errorf("derive() warnings %q, want one containing %q", res.Warnings, tt.warning)
			}
		})
	}
}

func TestDeriveRejectsMissingMinor(t *testing.T) {
	rs := []release{newRelease(20), newRelease(22)}
	if _, err := derive(rs, overrides{}); err == nil || !strings.Contains(err.Error(), "skip from 1.20 to 1.22") {
		t.Fatalf("derive() error = %v, want a skipped-minor error", err)
	}
}

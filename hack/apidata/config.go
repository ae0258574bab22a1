package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// sources is sources.yaml: the module versions to read, one line per minor.
type sources struct {
	Releases []releaseSource `yaml:"releases"`
}

// releaseSource names the module versions that describe one Kubernetes minor.
type releaseSource struct {
	Kubernetes    string `yaml:"kubernetes"`    // k8s.io/kubernetes v1.N.x
	API           string `yaml:"api"`           // k8s.io/api v0.N.x
	APIExtensions string `yaml:"apiextensions"` // k8s.io/apiextensions-apiserver v0.N.x
	Aggregator    string `yaml:"aggregator"`    // k8s.io/kube-aggregator v0.N.x
}

// overrides is overrides.yaml: hand-maintained corrections to what the
// upstream sources say, each with the reason and a citation.
type overrides struct {
	Exclude []exclusion `yaml:"exclude"`
	Set     []override  `yaml:"set"`
}

// exclusion drops a derived entry that is not in fact removed.
type exclusion struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Reason     string `yaml:"reason"`
}

// override sets fields of a derived entry, or adds an entry the sources miss.
// Empty fields keep the derived value.
type override struct {
	APIVersion      string `yaml:"apiVersion"`
	Kind            string `yaml:"kind"`
	DeprecatedIn    string `yaml:"deprecatedIn"`
	RemovedIn       string `yaml:"removedIn"`
	Replacement     string `yaml:"replacement"`
	ReplacementKind string `yaml:"replacementKind"`
	Notes           string `yaml:"notes"`
	Reason          string `yaml:"reason"`
}

// readYAML strictly decodes one YAML document from path into v.
func readYAML(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("decode %s: want one YAML document", path)
	}
	return nil
}

func loadSources(path string) (sources, error) {
	var s sources
	if err := readYAML(path, &s); err != nil {
		return s, err
	}
	if len(s.Releases) == 0 {
		return s, fmt.Errorf("%s: no releases", path)
	}
	for i, r := range s.Releases {
		for _, v := range []string{r.Kubernetes, r.API, r.APIExtensions, r.Aggregator} {
			if !strings.HasPrefix(v, "v") {
				return s, fmt.Errorf("%s: releases[%d]: version %q must start with v", path, i, v)
			}
		}
	}
	return s, nil
}

func loadOverrides(path string) (overrides, error) {
	var o overrides
	if err := readYAML(path, &o); err != nil {
		return o, err
	}
	for i, e := range o.Exclude {
		if e.APIVersion == "" || e.Kind == "" || e.Reason == "" {
			return o, fmt.Errorf("%s: exclude[%d]: apiVersion, kind and reason are required", path, i)
		}
	}
	for i, s := range o.Set {
		if s.APIVersion == "" || s.Kind == "" || s.Reason == "" {
			return o, fmt.Errorf("%s: set[%d]: apiVersion, kind and reason are required", path, i)
		}
		for _, v := range []string{s.DeprecatedIn, s.RemovedIn} {
			if v != "" {
				if _, err := parseMinor(v); err != nil {
					return o, fmt.Errorf("%s: set[%d]: %w", path, i, err)
				}
			}
		}
	}
	return o, nil
}

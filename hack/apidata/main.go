package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
)

// options are the command's flags.
type options struct {
	sources   string
	overrides string
	out       string
	report    string
	check     bool
	parallel  int
}

func main() {
	var o options
	flag.StringVar(&o.sources, "sources", "sources.yaml", "module versions to read, one line per Kubernetes minor")
	flag.StringVar(&o.overrides, "overrides", "overrides.yaml", "hand-maintained corrections")
	flag.StringVar(&o.out, "o", "", "file to write (default: standard output)")
	flag.StringVar(&o.report, "report", "", "also write the evidence behind each entry, and the warnings, to this file")
	flag.BoolVar(&o.check, "check", false, "do not write; exit 1 if the -o file is not up to date")
	flag.IntVar(&o.parallel, "parallel", 4, "releases downloaded and read at once")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, o, logger); err != nil {
		logger.Error("apidata failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, log *slog.Logger) error {
	if o.check && o.out == "" {
		return errors.New("-check needs -o")
	}
	src, err := loadSources(o.sources)
	if err != nil {
		return err
	}
	ov, err := loadOverrides(o.overrides)
	if err != nil {
		return err
	}
	releases, err := readReleases(ctx, src, o.parallel, log)
	if err != nil {
		return err
	}
	res, err := derive(releases, ov)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		log.Warn(w)
	}
	if o.report != "" {
		if err := os.WriteFile(o.report, report(res), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	data := render(res, src)
	switch {
	case o.check:
		old, err := os.ReadFile(o.out)
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if !bytes.Equal(old, data) {
			return fmt.Errorf("check: %s is out of date; regenerate it", o.out)
		}
		log.Info("up to date", "file", o.out, "entries", len(res.Entries))
		return nil
	case o.out == "":
		_, err := os.Stdout.Write(data)
		return err
	default:
		if err := writeFile(o.out, data); err != nil {
			return err
		}
		log.Info("wrote", "file", o.out, "entries", len(res.Entries))
		return nil
	}
}

// readReleases downloads and reads every release, at most parallel at once.
func readReleases(ctx context.Context, src sources, parallel int, log *slog.Logger) ([]release, error) {
	releases := make([]release, len(src.Releases))
	errs := make([]error, len(src.Releases))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, rs := range src.Releases {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			log.Info("reading release", "kubernetes", rs.Kubernetes)
			releases[i], errs[i] = readRelease(ctx, rs)
		})
	}
	wg.Wait()
	return releases, errors.Join(errs...)
}

// readRelease downloads the four modules of one minor and reads them.
func readRelease(ctx context.Context, rs releaseSource) (release, error) {
	minor, err := minorOf(rs.Kubernetes)
	if err != nil {
		return release{}, err
	}
	r := newRelease(minor)
	modules := []struct{ path, version, apis string }{
		{"k8s.io/api", rs.API, "."},
		{"k8s.io/apiextensions-apiserver", rs.APIExtensions, "pkg/apis"},
		{"k8s.io/kube-aggregator", rs.Aggregator, "pkg/apis"},
	}
	for _, m := range modules {
		if n, err := minorOf(m.version); err != nil || n != minor {
			return release{}, fmt.Errorf("%s %s does not belong to Kubernetes 1.%d", m.path, m.version, minor)
		}
		dir, err := download(ctx, m.path, m.version)
		if err != nil {
			return release{}, err
		}
		if err := scanAPIModule(filepath.Join(dir, m.apis), &r); err != nil {
			return release{}, fmt.Errorf("read %s@%s: %w", m.path, m.version, err)
		}
	}
	dir, err := download(ctx, "k8s.io/kubernetes", rs.Kubernetes)
	if err != nil {
		return release{}, err
	}
	if err := scanOpenAPI(filepath.Join(dir, "api", "openapi-spec", "swagger.json"), &r); err != nil {
		return release{}, fmt.Errorf("read k8s.io/kubernetes@%s: %w", rs.Kubernetes, err)
	}
	return r, nil
}

// writeFile replaces path atomically.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".removed-apis-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

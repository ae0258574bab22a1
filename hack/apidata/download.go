package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
)

// download fetches module@version into the module cache with
// `go mod download -json` and returns its directory.
func download(ctx context.Context, module, version string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@"+version)
	// Outside any module, so hack/apidata's go.mod is neither read nor changed.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return "", fmt.Errorf("download %s@%s: %w (%s)", module, version, runErr, bytes.TrimSpace(stderr.Bytes()))
	}
	if res.Error != "" {
		return "", fmt.Errorf("download %s@%s: %s", module, version, res.Error)
	}
	if runErr != nil || res.Dir == "" {
		return "", fmt.Errorf("download %s@%s: %w (%s)", module, version, runErr, bytes.TrimSpace(stderr.Bytes()))
	}
	return res.Dir, nil
}

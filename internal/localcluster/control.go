package localcluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// The control socket lets another process — kubehop apply with the local
// provider — upgrade the control plane of a cluster this process runs, the
// way a cloud's API upgrades a managed control plane: start an operation,
// then poll it.

// ControlSocket is the path of the cluster's control socket.
func (c *Cluster) ControlSocket() string { return filepath.Join(c.dir, "control.sock") }

// ControlSocketFor returns the control socket of the cluster whose
// kubeconfig is at kubeconfig (both live in the cluster's directory).
func ControlSocketFor(kubeconfig string) string {
	return filepath.Join(filepath.Dir(kubeconfig), "control.sock")
}

// Operation is a control-plane upgrade in progress or finished.
type Operation struct {
	ID      string `json:"id"`
	Target  string `json:"target"`
	Status  string `json:"status"` // Running, Succeeded, Failed
	Error   string `json:"error,omitempty"`
	Version string `json:"version"` // the control plane's version now
}

// Serve answers the control socket until ctx ends.
func (c *Cluster) Serve(ctx context.Context) error {
	path := c.ControlSocket()
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("listen on control socket: %w", err)
	}
	var mu sync.Mutex
	ops := map[string]*Operation{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /control-plane/upgrade", func(w http.ResponseWriter, r *http.Request) {
		target, err := PinnedVersions().Resolve(r.URL.Query().Get("version"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, op := range ops {
			if op.Status == "Running" {
				mu.Unlock()
				w.WriteHeader(http.StatusConflict)
				json.NewEncoder(w).Encode(op)
				return
			}
		}
		op := &Operation{ID: strconv.FormatInt(time.Now().UnixNano(), 36), Target: target, Status: "Running", Version: c.Version()}
		if c.Version() == target {
			op.Status = "Succeeded"
		}
		ops[op.ID] = op
		snapshot := *op
		mu.Unlock()
		if snapshot.Status == "Running" {
			go func() {
				err := c.UpgradeControlPlane(context.WithoutCancel(ctx), target)
				mu.Lock()
				defer mu.Unlock()
				op.Status, op.Version = "Succeeded", c.Version()
				if err != nil {
					op.Status, op.Error = "Failed", err.Error()
				}
			}()
		}
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(snapshot)
	})
	mux.HandleFunc("GET /operations/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		op, ok := ops[r.PathValue("id")]
		var snapshot Operation
		if ok {
			snapshot = *op
		}
		mu.Unlock()
		if !ok {
			http.Error(w, "no such operation", http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(snapshot)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ControlClient talks to a cluster's control socket.
type ControlClient struct {
	http *http.Client
}

// NewControlClient returns a client for the socket at path.
func NewControlClient(path string) *ControlClient {
	return &ControlClient{http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}}
}

// ErrOperationInProgress is returned when another upgrade is running.
var ErrOperationInProgress = errors.New("a control plane upgrade is already in progress")

// StartUpgrade starts a control-plane upgrade and returns its operation.
// When one is already running, it returns that one with
// ErrOperationInProgress.
func (cc *ControlClient) StartUpgrade(ctx context.Context, version string) (*Operation, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://local/control-plane/upgrade?version="+version, nil)
	if err != nil {
		return nil, err
	}
	return cc.do(req, ErrOperationInProgress)
}

// Operation reads an operation.
func (cc *ControlClient) Operation(ctx context.Context, id string) (*Operation, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://local/operations/"+id, nil)
	if err != nil {
		return nil, err
	}
	return cc.do(req, nil)
}

func (cc *ControlClient) do(req *http.Request, conflict error) (*Operation, error) {
	resp, err := cc.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("local cluster control socket: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusAccepted, http.StatusConflict:
		var op Operation
		if err := json.NewDecoder(resp.Body).Decode(&op); err != nil {
			return nil, fmt.Errorf("local cluster control socket: %w", err)
		}
		if resp.StatusCode == http.StatusConflict {
			return &op, conflict
		}
		return &op, nil
	}
	var msg [512]byte
	n, _ := resp.Body.Read(msg[:])
	return nil, fmt.Errorf("local cluster control socket: %s: %s", resp.Status, msg[:n])
}

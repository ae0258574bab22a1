package aks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/kubehop/kubehop/internal/provider"
)

type (
	clusterResult = armcontainerservice.ManagedClustersClientCreateOrUpdateResponse
	poolResult    = armcontainerservice.AgentPoolsClientCreateOrUpdateResponse
)

// Poll implements provider.Cloud. It rebuilds the operation's poller from
// op.ID, its resume token, and polls it once (Poller.Poll, not
// PollUntilDone): a control plane operation's with the managed clusters
// client and a pool's with the agent pools client, as a token only
// resumes with the client that made it (BeginCreateOrUpdate with
// ResumeToken, which starts nothing). An operation that has ended
// successfully is Successful; one that failed or was canceled is Failed or
// Cancelled with ARM's error ("code: message") in Errors. Errors reading
// the operation are returned with op unchanged: Poll again.
//
// An operation without an ID that has ended (one a start found already
// done) is returned as it is.
func (a *AKS) Poll(ctx context.Context, op provider.Operation) (provider.Operation, error) {
	t := opTarget(op)
	if op.ID == "" {
		if op.Done() {
			return op, nil
		}
		return op, a.errorf("%s: the operation has no resume token", t)
	}
	switch op.Kind {
	case KindControlPlane:
		return pollOnce(ctx, a, op, &stateWatch[clusterResult]{read: a.readCluster}, func(token string) (*runtime.Poller[clusterResult], error) {
			return a.clusters.BeginCreateOrUpdate(ctx, a.resourceGroup, a.cluster, armcontainerservice.ManagedCluster{},
				&armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{ResumeToken: token})
		})
	case KindPool:
		return pollOnce(ctx, a, op, &stateWatch[poolResult]{read: a.readPool(op.Target)}, func(token string) (*runtime.Poller[poolResult], error) {
			return a.pools.BeginCreateOrUpdate(ctx, a.resourceGroup, a.cluster, op.Target, armcontainerservice.AgentPool{},
				&armcontainerservice.AgentPoolsClientBeginCreateOrUpdateOptions{ResumeToken: token})
		})
	}
	return op, a.errorf("%s: %s: unknown operation kind %q", t, opLabel(op.ID), op.Kind)
}

// pollOnce polls op once with the poller rebuilt from its token: w when
// the token is a watch's, else the SDK's own through resume.
func pollOnce[T any](ctx context.Context, a *AKS, op provider.Operation, w *stateWatch[T], resume func(string) (*runtime.Poller[T], error)) (provider.Operation, error) {
	t, label := opTarget(op), opLabel(op.ID)
	p, err := rebuild(op.ID, a.pl, w, resume)
	if err != nil {
		return op, a.errorf("%s: %s: resume from its token: %w", t, label, err)
	}
	if want := a.resourceID(op.Target); w.Watch != "" && w.Resource != want {
		return op, a.errorf("%s: %s: the token follows %s, not %s", t, label, w.Resource, want)
	}
	if _, err := p.Poll(ctx); err != nil {
		return op, a.errorf("%s: %s: poll: %w", t, label, armErr(err))
	}
	cur := op
	cur.Errors = nil
	if !p.Done() {
		cur.Status = provider.OpInProgress
		return cur, nil
	}
	_, err = p.Result(ctx)
	status, errs, err := outcome(err)
	if err != nil {
		return op, a.errorf("%s: %s: read its outcome: %w", t, label, err)
	}
	cur.Status, cur.Errors = status, errs
	return cur, nil
}

// rebuild makes the poller of token: a watch (w, filled from the token)
// when the token is one, the SDK's poller otherwise.
func rebuild[T any](token string, pl runtime.Pipeline, w *stateWatch[T], resume func(string) (*runtime.Poller[T], error)) (*runtime.Poller[T], error) {
	p, err := runtime.NewPollerFromResumeToken(token, pl, &runtime.NewPollerFromResumeTokenOptions[T]{Handler: w})
	if err != nil {
		return nil, err
	}
	if w.Watch != "" {
		return p, nil
	}
	return resume(token)
}

// outcome reads how a finished operation ended from its poller's Result
// error. nil is success. The operation's own failure is a 2xx ARM answer
// (the operation status, "Failed" or "Canceled" with its error) or a
// watch's end; anything else is an error reading the outcome, returned as
// readErr.
func outcome(err error) (status string, errs []string, readErr error) {
	if err == nil {
		return provider.OpSuccessful, nil, nil
	}
	var end *watchedEnd
	if errors.As(err, &end) {
		return failed(end.State), []string{end.Error()}, nil
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode >= 200 && re.StatusCode < 300 {
		b := readBody(re.RawResponse)
		return failed(b.Status), lroErrors(re, b), nil
	}
	return "", nil, armErr(err)
}

// failed is the Operation state of a final status that is not success.
func failed(status string) string {
	if opStatus(status) == provider.OpCancelled {
		return provider.OpCancelled
	}
	return provider.OpFailed
}

// lroErrors are a failed operation's errors, "code: message" each, its
// details after it.
func lroErrors(re *azcore.ResponseError, b armBody) []string {
	if b.Error == nil {
		code := re.ErrorCode
		if code == "" {
			code = "UnknownError"
		}
		return []string{code + ": the operation ended " + b.Status + " without an error detail"}
	}
	errs := []string{b.Error.String()}
	for _, d := range b.Error.Details {
		errs = append(errs, d.String())
	}
	return errs
}

// opLabel names an operation in messages. A resume token is opaque, but
// the SDK's Azure-AsyncOperation tokens hold the status URL, whose last
// segment is ARM's operation ID (the one the activity log shows); when
// that cannot be read the label is a digest of the token.
func opLabel(token string) string {
	if token == "" {
		return "operation"
	}
	var tok struct {
		Token struct {
			AsyncURL string `json:"asyncURL"`
			Watch    string `json:"watch"`
		} `json:"token"`
	}
	if json.Unmarshal([]byte(token), &tok) == nil {
		if u, err := url.Parse(tok.Token.AsyncURL); err == nil && u.Path != "" {
			return "operation " + path.Base(u.Path)
		}
		if tok.Token.Watch != "" {
			return "in-flight operation (followed through the " + tok.Token.Watch + "'s provisioning state)"
		}
	}
	sum := sha256.Sum256([]byte(token))
	return fmt.Sprintf("operation with token digest %s", hex.EncodeToString(sum[:6]))
}

package aks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// ErrAddonUpdateNotSupported is returned by UpdateAddon: AKS add-ons have
// no versions of their own to move.
var ErrAddonUpdateNotSupported = fmt.Errorf("updating an add-on is not supported on AKS: add-ons move with the control plane (%w)", errors.ErrUnsupported)

// errNoProperties is an ARM answer without the resource's properties.
var errNoProperties = errors.New("the answer has no properties")

// ARMError is an error answer from Azure Resource Manager, shown as its
// status, code and message rather than azcore's multi-line dump. It
// unwraps to the *azcore.ResponseError, whose RawResponse has the rest.
type ARMError struct {
	// StatusCode is the HTTP status; Code and Message the ARM error's.
	StatusCode    int
	Code, Message string
	// Details are the error's details, "code: message" each.
	Details []string
	resp    *azcore.ResponseError
}

func (e *ARMError) Error() string {
	s := fmt.Sprintf("ARM answered %d %s", e.StatusCode, e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if len(e.Details) > 0 {
		s += " (" + strings.Join(e.Details, "; ") + ")"
	}
	return s
}

// Unwrap returns the SDK's error.
func (e *ARMError) Unwrap() error { return e.resp }

// armBody is what ARM error answers and operation status resources hold:
// {"status": ..., "error": {"code", "message", "details"}}.
type armBody struct {
	Status string     `json:"status"`
	Error  *armDetail `json:"error"`
}

type armDetail struct {
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Details []armDetail `json:"details"`
}

func (d armDetail) String() string { return d.Code + ": " + d.Message }

// readBody reads an ARM answer's body; a body that is not ARM's shape
// reads as empty.
func readBody(resp *http.Response) armBody {
	var b armBody
	if resp == nil {
		return b
	}
	if payload, err := runtime.Payload(resp); err == nil {
		_ = json.Unmarshal(payload, &b)
	}
	return b
}

// armErr turns an SDK error carrying an ARM answer into an *ARMError;
// other errors are returned as they are.
func armErr(err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return err
	}
	return newARMError(re)
}

func newARMError(re *azcore.ResponseError) *ARMError {
	e := &ARMError{StatusCode: re.StatusCode, Code: re.ErrorCode, resp: re}
	if d := readBody(re.RawResponse).Error; d != nil {
		if e.Code == "" {
			e.Code = d.Code
		}
		e.Message = d.Message
		for _, sub := range d.Details {
			e.Details = append(e.Details, sub.String())
		}
	}
	return e
}

// inProgress reports whether err is ARM refusing a change because another
// operation runs on the cluster: 409 OperationNotAllowed, or a 409 that
// says an operation is in progress.
func inProgress(err error) bool {
	var e *ARMError
	if !errors.As(err, &e) || e.StatusCode != http.StatusConflict {
		return false
	}
	return e.Code == "OperationNotAllowed" || strings.Contains(strings.ToLower(e.Message), "in progress")
}

// Package exitcode defines kubehop's process exit codes, the one place they
// are listed (docs/exit-codes.md mirrors it), and maps errors to them.
package exitcode

import (
	"context"
	"errors"
)

// Exit codes. Scripts may rely on them; never renumber.
const (
	// OK: the command did what was asked.
	OK = 0
	// Failure: the command failed (a cluster or I/O error, a failed step).
	Failure = 1
	// BadInput: bad flags, arguments or input files; nothing was changed.
	BadInput = 2
	// Warnings: a check found warnings but no blockers.
	Warnings = 3
	// Blockers: a check found at least one blocker.
	Blockers = 4
	// VerifyFailed: verification found the cluster unhealthy.
	VerifyFailed = 5
	// Interrupted: stopped by SIGINT or SIGTERM (128 + SIGINT).
	Interrupted = 130
)

// Error carries the exit code a command's failure should end the process with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// With wraps err so that the process exits with code.
func With(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Invalid marks err as bad input (exit code BadInput).
func Invalid(err error) error { return With(BadInput, err) }

// ErrQuiet marks an exit code whose reason the command already printed,
// such as a check that found blockers.
var ErrQuiet = errors.New("reported above")

// Quiet ends the process with code without printing an error.
func Quiet(code int) error {
	if code == OK {
		return nil
	}
	return &Error{Code: code, Err: ErrQuiet}
}

// From returns the exit code for err: its own code if it carries one,
// Interrupted for a cancelled context, else Failure.
func From(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	return Failure
}

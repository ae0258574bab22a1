package kubeadm

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// SSH runs commands on other machines with the ssh binary, so that the
// operator's ssh configuration (known hosts, agents, jump hosts) applies.
// The remote command is one line of shell-quoted words: the remote shell
// sees exactly the arguments given, whatever characters they hold.
type SSH struct {
	// User logs in; "" leaves ssh's own choice (or the host's "user@").
	User string
	// IdentityFile is passed with -i when set.
	IdentityFile string
	// Options are put before the destination as they are (for example
	// "-o", "StrictHostKeyChecking=yes", "-p", "2222").
	Options []string
	// SSHPath is the ssh binary; "" is "ssh" on PATH.
	SSHPath string
}

// sshFailed is the status ssh exits with when it fails itself.
const sshFailed = 255

// Run implements Runner. A status of 255 is ssh's own failure (the host
// could not be reached or refused the login); the error says so.
func (s SSH) Run(ctx context.Context, host string, argv []string, opts RunOptions) (Result, error) {
	cmd, err := s.Argv(host, argv, opts)
	if err != nil {
		return Result{ExitCode: -1}, err
	}
	res, err := runCommand(ctx, host, cmd, argv, RunOptions{OnLine: opts.OnLine, Detach: opts.Detach})
	var exit *ExitError
	if errors.As(err, &exit) && exit.ExitCode == sshFailed {
		return res, fmt.Errorf("host %s: ssh could not run %q (is the host reachable and the login allowed?): %w", host, CommandLine(argv), err)
	}
	return res, err
}

// Argv is the ssh command line that runs argv on host:
//
//	ssh [Options] [-i IdentityFile] [user@]host -- 'word' 'word' ...
//
// with RunOptions.Dir and Env applied on the remote side ("cd DIR &&",
// "env K=V"). RunOptions.OnLine and Detach are not used here.
func (s SSH) Argv(host string, argv []string, opts RunOptions) ([]string, error) {
	if host == "" || strings.HasPrefix(host, "-") || strings.ContainsAny(host, " \t\n") {
		return nil, fmt.Errorf("ssh: %q is not a host name", host)
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("host %s: no command to run", host)
	}
	bin := s.SSHPath
	if bin == "" {
		bin = "ssh"
	}
	cmd := append([]string{bin}, s.Options...)
	if s.IdentityFile != "" {
		cmd = append(cmd, "-i", s.IdentityFile)
	}
	dest := host
	if s.User != "" && !strings.Contains(host, "@") {
		dest = s.User + "@" + host
	}
	cmd = append(cmd, dest, "--")
	return append(cmd, remoteWords(argv, opts)...), nil
}

// remoteWords is the remote command as shell words: each argument quoted,
// with the directory change and environment in front.
func remoteWords(argv []string, opts RunOptions) []string {
	var words []string
	if opts.Dir != "" {
		words = append(words, "cd", Quote(opts.Dir), "&&")
	}
	if len(opts.Env) > 0 {
		words = append(words, "env")
		for _, kv := range opts.Env {
			words = append(words, Quote(kv))
		}
	}
	for _, a := range argv {
		words = append(words, Quote(a))
	}
	return words
}

// Quote quotes s for a POSIX shell: words of plain characters are left as
// they are; anything else is put in single quotes, each single quote in it
// closing the quoted text, escaped with a backslash, and opening it again.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if isPlain(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isPlain reports whether s needs no quoting: letters, digits and
// @%+:,./_- only, none of them special to a shell wherever they stand
// ("=" is left out: a first word with one is an assignment, and zsh
// expands a leading one).
func isPlain(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("@%+:,./_-", r):
		default:
			return false
		}
	}
	return true
}

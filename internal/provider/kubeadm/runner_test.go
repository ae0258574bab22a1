package kubeadm_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider/kubeadm"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// lines collects streamed output lines.
type lines struct {
	mu  sync.Mutex
	got []string
}

func (l *lines) add(s kubeadm.Stream, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, s.String()+": "+line)
}

func TestLocalRun(t *testing.T) {
	var out lines
	dir := t.TempDir()
	r := kubeadm.Local{Env: []string{"RUNNER_A=from-runner"}}
	res, err := r.Run(testContext(t), "", []string{"sh", "-c", `echo "$RUNNER_A $RUN_B"; pwd; printf 'no newline'`},
		kubeadm.RunOptions{Dir: dir, Env: []string{"RUN_B=from-options"}, OnLine: out.add})
	if err != nil {
		t.Fatal(err)
	}
	wantDir, _ := filepath.EvalSymlinks(dir)
	want := "from-runner from-options\n" + wantDir + "\nno newline"
	if res.Stdout != want || res.Stderr != "" || res.ExitCode != 0 {
		t.Errorf("result = %+v, want stdout %q", res, want)
	}
	if diff := cmp.Diff([]string{"stdout: from-runner from-options", "stdout: " + wantDir, "stdout: no newline"}, out.got); diff != "" {
		t.Errorf("streamed lines (-want +got):\n%s", diff)
	}
}

func TestLocalRunLocalhost(t *testing.T) {
	res, err := kubeadm.Local{}.Run(testContext(t), "localhost", []string{"echo", "hi"}, kubeadm.RunOptions{})
	if err != nil || res.Stdout != "hi\n" {
		t.Errorf("Run on localhost = %+v, %v", res, err)
	}
}

func TestLocalRunFailure(t *testing.T) {
	script := `echo progress; for i in 1 2 3 4 5 6 7; do echo "line $i" >&2; done; exit 3`
	argv := []string{"sh", "-c", script}
	res, err := kubeadm.Local{}.Run(testContext(t), "", argv, kubeadm.RunOptions{})
	var exit *kubeadm.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("err = %v, want an *ExitError", err)
	}
	if res.ExitCode != 3 || exit.ExitCode != 3 || !reflect.DeepEqual(exit.Argv, argv) {
		t.Errorf("result %+v, exit error %+v", res, exit)
	}
	msg := err.Error()
	for _, want := range []string{"host localhost", "sh -c", "status 3", "line 3 | line 4 | line 5 | line 6 | line 7"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if _, tail, _ := strings.Cut(msg, "status 3: "); strings.Contains(tail, "line 2") || strings.Contains(tail, "progress") {
		t.Errorf("error %q keeps more than the last lines of stderr", msg)
	}
}

func TestLocalRunErrors(t *testing.T) {
	tests := []struct {
		name string
		host string
		argv []string
		want string
	}{
		{name: "remote host", host: "cp1", argv: []string{"true"}, want: "host cp1: the local runner only runs commands on localhost"},
		{name: "no command", argv: nil, want: "no command"},
		{name: "not found", argv: []string{"/nonexistent/kubeadm", "version"}, want: `host localhost: command "/nonexistent/kubeadm version"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := kubeadm.Local{}.Run(testContext(t), tt.host, tt.argv, kubeadm.RunOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if res.ExitCode != -1 {
				t.Errorf("exit code = %d, want -1", res.ExitCode)
			}
		})
	}
}

func TestLocalRunCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := kubeadm.Local{}.Run(ctx, "", []string{"sleep", "30"}, kubeadm.RunOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("cancelled command took %s", time.Since(start))
	}
}

func TestSSHArgv(t *testing.T) {
	s := kubeadm.SSH{User: "ops", IdentityFile: "/keys/id ed25519", Options: []string{"-o", "BatchMode=yes", "-p", "2222"}, SSHPath: "/usr/bin/ssh"}
	got, err := s.Argv("cp1.example", []string{"apt-get", "install", "-y", "kubeadm=1.27.1-*", "it's", "", "$(reboot)", "a b"},
		kubeadm.RunOptions{Dir: "/opt/base metal", Env: []string{"LANG=C", "X=a'b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/usr/bin/ssh", "-o", "BatchMode=yes", "-p", "2222", "-i", "/keys/id ed25519", "ops@cp1.example", "--",
		"cd", "'/opt/base metal'", "&&", "env", "'LANG=C'", `'X=a'\''b'`,
		"apt-get", "install", "-y", "'kubeadm=1.27.1-*'", `'it'\''s'`, "''", "'$(reboot)'", "'a b'",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Argv (-want +got):\n%s", diff)
	}
}

func TestSSHArgvDefaults(t *testing.T) {
	tests := []struct {
		host string
		user string
		want []string
	}{
		{host: "10.0.0.2", want: []string{"ssh", "10.0.0.2", "--", "kubelet", "--version"}},
		{host: "10.0.0.2", user: "root", want: []string{"ssh", "root@10.0.0.2", "--", "kubelet", "--version"}},
		{host: "admin@10.0.0.2", user: "root", want: []string{"ssh", "admin@10.0.0.2", "--", "kubelet", "--version"}},
	}
	for _, tt := range tests {
		got, err := kubeadm.SSH{User: tt.user}.Argv(tt.host, []string{"kubelet", "--version"}, kubeadm.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Argv(%s) as %q (-want +got):\n%s", tt.host, tt.user, diff)
		}
	}
}

func TestSSHArgvRefusesBadHosts(t *testing.T) {
	for _, host := range []string{"", "-oProxyCommand=touch /tmp/x", "cp1 cp2"} {
		if _, err := (kubeadm.SSH{}).Argv(host, []string{"true"}, kubeadm.RunOptions{}); err == nil {
			t.Errorf("Argv(%q) succeeded", host)
		}
	}
	if _, err := (kubeadm.SSH{}).Argv("cp1", nil, kubeadm.RunOptions{}); err == nil {
		t.Errorf("Argv with no command succeeded")
	}
}

// TestSSHQuotingRoundTrips hands the remote words to a real shell, as sshd
// does (joined by spaces), and checks that the command sees exactly the
// arguments given.
func TestSSHQuotingRoundTrips(t *testing.T) {
	args := []string{"plain", "with space", "it's", `double"quote`, "$HOME", "`id`", "a;b", "a&&b", "*", "~", "", "back\\slash", "new\nline", "=x", "ünï"}
	cmd, err := kubeadm.SSH{}.Argv("cp1", append([]string{"printf", `%s\0`}, args...), kubeadm.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	i := indexOf(cmd, "--")
	out, err := exec.CommandContext(testContext(t), "sh", "-c", strings.Join(cmd[i+1:], " ")).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if diff := cmp.Diff(args, got); diff != "" {
		t.Errorf("arguments seen by the remote shell (-want +got):\n%s", diff)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestSSHRunNamesTheRemoteCommand(t *testing.T) {
	// A stand-in "ssh" that fails as ssh does when it cannot connect.
	fake := filepath.Join(t.TempDir(), "ssh")
	writeScript(t, fake, "#!/bin/sh\necho 'ssh: connect to host cp9 port 22: Connection refused' >&2\nexit 255\n")
	_, err := kubeadm.SSH{SSHPath: fake}.Run(testContext(t), "cp9", []string{"kubeadm", "upgrade", "node"}, kubeadm.RunOptions{})
	if err == nil {
		t.Fatal("Run succeeded")
	}
	for _, want := range []string{"host cp9", `"kubeadm upgrade node"`, "Connection refused", "reachable"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestLocalRunDetach checks that a detached command leads a process group
// of its own, out of reach of an interrupt for kubehop's.
func TestLocalRunDetach(t *testing.T) {
	script := `echo $$; cut -d' ' -f5 /proc/$$/stat`
	for _, detach := range []bool{false, true} {
		res, err := kubeadm.Local{}.Run(testContext(t), "", []string{"sh", "-c", script}, kubeadm.RunOptions{Detach: detach})
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(res.Stdout)
		if len(f) != 2 {
			t.Fatalf("output %q", res.Stdout)
		}
		if own := f[0] == f[1]; own != detach {
			t.Errorf("Detach %v: pid %s, process group %s", detach, f[0], f[1])
		}
	}
}

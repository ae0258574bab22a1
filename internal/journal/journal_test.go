package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestAppendAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, entries, err := Open(path)
	if err != nil || len(entries) != 0 {
		t.Fatalf("Open new: %v, %d entries", err, len(entries))
	}
	for _, e := range []Entry{
		{Type: Plan, Data: json.RawMessage(`{"cluster":"prod"}`)},
		{Type: Begin, Step: "relax/telegraf-prom"},
		{Type: Original, Step: "relax/telegraf-prom", Object: "Deployment shared/telegraf-prom", Data: json.RawMessage(`{"replicas":1}`)},
	} {
		if _, err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	j, entries, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if len(entries) != 3 || entries[2].Seq != 3 || string(entries[2].Data) != `{"replicas":1}` {
		t.Fatalf("entries %+v", entries)
	}
	if e, err := j.Append(Entry{Type: Done, Step: "relax/telegraf-prom"}); err != nil || e.Seq != 4 {
		t.Fatalf("append after reopen: %+v, %v", e, err)
	}
}

func TestTornLastLineIsDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	data := `{"seq":1,"type":"plan"}` + "\n" + `{"seq":2,"type":"begin","step":"a"}` + "\n" + `{"seq":3,"type":"do`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	j, entries, err := Open(path)
	if err != nil || len(entries) != 2 {
		t.Fatalf("Open: %v, %d entries", err, len(entries))
	}
	if e, err := j.Append(Entry{Type: Done, Step: "a"}); err != nil || e.Seq != 3 {
		t.Fatalf("append: %+v, %v", e, err)
	}
	j.Close()
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), `"do`+"\n") || strings.Count(string(raw), "\n") != 3 {
		t.Errorf("the torn line should be gone:\n%s", raw)
	}
}

func TestCorruptionNamesTheLine(t *testing.T) {
	for name, data := range map[string]string{
		"garbage":  `{"seq":1,"type":"plan"}` + "\nnot json\n" + `{"seq":3,"type":"done"}` + "\n",
		"sequence": `{"seq":1,"type":"plan"}` + "\n" + `{"seq":5,"type":"begin"}` + "\n",
	} {
		path := filepath.Join(t.TempDir(), "j.jsonl")
		os.WriteFile(path, []byte(data), 0o600)
		_, _, err := Open(path)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "j.jsonl:2") {
			t.Errorf("%s: %v, want ErrCorrupt naming line 2", name, err)
		}
	}
}

func TestReplayCompensationUndoesTheStep(t *testing.T) {
	s := Replay([]Entry{
		{Type: Begin, Step: "relax"},
		{Type: Original, Step: "relax", Object: "Deployment a/b", Data: json.RawMessage(`{"replicas":1}`)},
		{Type: Done, Step: "relax"},
		{Type: Restored, Step: Compensate, Object: "Deployment a/b"},
	})
	if s.Done["relax"] || len(s.Originals) != 0 {
		t.Errorf("after compensation: done %v, originals %v; the relax step must run again", s.Done, s.Originals)
	}
}

func TestReplay(t *testing.T) {
	entries := []Entry{
		{Type: Plan, Data: json.RawMessage(`{"plan":"x"}`)},
		{Type: Begin, Step: "relax"},
		{Type: Original, Step: "relax", Object: "Deployment shared/telegraf-prom", Data: json.RawMessage(`{"replicas":1}`)},
		{Type: Intent, Step: "relax", Object: "Deployment shared/telegraf-prom", Message: "scale to 0"},
		// The step ran again after a crash and saw its own change: the
		// first original must win.
		{Type: Original, Step: "relax", Object: "Deployment shared/telegraf-prom", Data: json.RawMessage(`{"replicas":0}`)},
		{Type: Done, Step: "relax"},
		{Type: Begin, Step: "drain/vantiq-0"},
		{Type: Original, Step: "drain/vantiq-0", Object: "node vantiq-0", Data: json.RawMessage(`{"unschedulable":false}`)},
		{Type: Begin, Step: "drain/vantiq-1"},
		{Type: Original, Step: "drain/vantiq-1", Object: "node vantiq-1", Data: json.RawMessage(`{"unschedulable":false}`)},
		{Type: Restored, Step: "uncordon/vantiq-1", Object: "node vantiq-1"},
		{Type: Done, Step: "drain/vantiq-1"},
		{Type: Begin, Step: "bad"},
		{Type: Failed, Step: "bad", Message: "boom"},
	}
	s := Replay(entries)
	if string(s.Plan) != `{"plan":"x"}` || !s.Done["relax"] || !s.Done["drain/vantiq-1"] || s.Done["drain/vantiq-0"] {
		t.Errorf("done %v", s.Done)
	}
	if len(s.Started) != 1 || s.Started[0] != "drain/vantiq-0" || s.Failed["bad"] != "boom" {
		t.Errorf("started %v, failed %v", s.Started, s.Failed)
	}
	if len(s.Originals) != 2 || string(s.Originals["Deployment shared/telegraf-prom"]) != `{"replicas":1}` || s.Originals["node vantiq-0"] == nil {
		t.Errorf("originals to restore %v", s.Originals)
	}
}

// TestAcknowledgedEntriesSurviveSIGKILL runs a child that appends entries
// and reports each acknowledged one, kills it mid-stream with SIGKILL, and
// checks that every acknowledged entry is in the reopened journal and that
// a torn write leaves it readable. (A process crash, not a power loss: the
// fsync in Append is what covers the latter.)
func TestAcknowledgedEntriesSurviveSIGKILL(t *testing.T) {
	if path := os.Getenv("KUBEHOP_JOURNAL_CHILD"); path != "" {
		j, _, err := Open(path)
		if err != nil {
			os.Exit(3)
		}
		for i := 0; ; i++ {
			e, err := j.Append(Entry{Type: Note, Message: strings.Repeat("x", i%300)})
			if err != nil {
				os.Exit(4)
			}
			fmt.Println(e.Seq) // acknowledged
		}
	}
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "j.jsonl")
		cmd := exec.Command(os.Args[0], "-test.run=TestAcknowledgedEntriesSurviveSIGKILL")
		cmd.Env = append(os.Environ(), "KUBEHOP_JOURNAL_CHILD="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var acked int64
		buf := make([]byte, 64<<10)
		var pending string
		for acked < int64(50*(round+1)) {
			n, err := out.Read(buf)
			if err != nil {
				break
			}
			pending += string(buf[:n])
			lines := strings.Split(pending, "\n")
			pending = lines[len(lines)-1]
			for _, l := range lines[:len(lines)-1] {
				if v, err := strconv.ParseInt(l, 10, 64); err == nil {
					acked = v
				}
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		j, entries, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		j.Close()
		if int64(len(entries)) < acked {
			t.Fatalf("round %d: %d entries acknowledged, only %d in the journal", round, acked, len(entries))
		}
	}
}

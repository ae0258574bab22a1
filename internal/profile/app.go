package profile

import (
	"fmt"
	"regexp"
	"strings"
)

// App describes a stateful application the profile's cluster runs, for
// kubehop app upgrade and rollback: the runbook's minor upgrade (service
// stopped, database backed up, new tag, the app held at one replica while
// its schema migrates, scaled back) and patch upgrade (backup, rolling
// update).
type App struct {
	// Namespace holds the workloads, the backup CronJob and the migration
	// pod.
	Namespace string `yaml:"namespace"`
	// Workload is the application ("StatefulSet/vantiq") and Container the
	// container whose image tag an upgrade changes; Containers, if set,
	// are every container that moves to the new tag (the migration's init
	// container runs the same image).
	Workload   string   `yaml:"workload"`
	Container  string   `yaml:"container"`
	Containers []string `yaml:"containers,omitempty"`
	// Others are held at 0 replicas while the schema migrates
	// ("StatefulSet/metrics-collector").
	Others []string `yaml:"others,omitempty"`
	// Backup backs the database up: a Job from a CronJob (the runbook's
	// kubectl create job --from=cronjob/mongobackup), then, if given, a
	// command.
	Backup Task `yaml:"backup"`
	// Restore brings the database back from the backup an upgrade took: a
	// Job from a CronJob and/or a command. Both get KUBEHOP_BACKUP_JOB
	// (the backup Job's name) and KUBEHOP_NAMESPACE in their environment.
	Restore Task `yaml:"restore"`
	// Migration is how the schema migration reports.
	Migration Migration `yaml:"migration"`
	// Deploy, when set, is the vendor's deploy tool, run with KUBEHOP_TAG
	// instead of kubehop setting the image; kubehop then holds the scale
	// again (the tool resets it).
	Deploy *Command `yaml:"deploy,omitempty"`
}

// Task is a Job from a CronJob, a command run on this machine (relative
// to the profile's directory), or the Job then the command.
type Task struct {
	CronJob string   `yaml:"cronJob,omitempty"`
	Command []string `yaml:"command,omitempty"`
	Timeout Duration `yaml:"timeout,omitempty"`
}

// Command is an argv run on this machine, relative to the profile's
// directory.
type Command struct {
	Command []string `yaml:"command"`
	Timeout Duration `yaml:"timeout,omitempty"`
}

// Migration says which container of the application's first pod runs the
// schema migration and the log lines that tell how it ended.
type Migration struct {
	Container string   `yaml:"container"`
	Success   string   `yaml:"success"`
	Failure   string   `yaml:"failure,omitempty"`
	Timeout   Duration `yaml:"timeout,omitempty"`
}

// ParseWorkload reads "StatefulSet/vantiq" (or "sts/vantiq",
// "deployment/x") as a kind and name.
func ParseWorkload(s string) (kind, name string, err error) {
	k, n, ok := strings.Cut(s, "/")
	if !ok || n == "" {
		return "", "", fmt.Errorf("%q is not KIND/NAME such as StatefulSet/vantiq", s)
	}
	switch strings.ToLower(k) {
	case "statefulset", "sts", "statefulsets":
		return "StatefulSet", n, nil
	case "deployment", "deploy", "deployments":
		return "Deployment", n, nil
	}
	return "", "", fmt.Errorf("%q: kind %s is not StatefulSet or Deployment", s, k)
}

func (p *Profile) validateApp(fail func(field, format string, args ...any) error) error {
	a := p.App
	if a == nil {
		return nil
	}
	for _, f := range [][2]string{{"app.namespace", a.Namespace}, {"app.workload", a.Workload}, {"app.container", a.Container}, {"app.backup.cronJob", a.Backup.CronJob},
		{"app.migration.container", a.Migration.Container}, {"app.migration.success", a.Migration.Success}} {
		if strings.TrimSpace(f[1]) == "" {
			return fail(f[0], "is required")
		}
	}
	if _, _, err := ParseWorkload(a.Workload); err != nil {
		return fail("app.workload", "%v", err)
	}
	for i, o := range a.Others {
		if _, _, err := ParseWorkload(o); err != nil {
			return fail(fmt.Sprintf("app.others[%d]", i), "%v", err)
		}
	}
	for _, f := range [][2]string{{"app.migration.success", a.Migration.Success}, {"app.migration.failure", a.Migration.Failure}} {
		if _, err := regexp.Compile(f[1]); err != nil {
			return fail(f[0], "%q is not a regular expression: %v", f[1], err)
		}
	}
	if len(a.Restore.Command) == 0 && a.Restore.CronJob == "" {
		return fail("app.restore", "give a cronJob, a command or both: how the database comes back from the backup (a failed migration and kubehop app rollback run it)")
	}
	return nil
}

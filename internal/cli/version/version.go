// Package version implements `kubehop version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/buildinfo"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/localcluster"
)

// Options are the flags of `kubehop version`.
type Options struct {
	Output  *cmdutil.OutputOptions
	streams cmdutil.IOStreams
}

// NewCommand returns the version command.
func NewCommand(streams cmdutil.IOStreams) *cobra.Command {
	o := &Options{Output: cmdutil.NewOutputOptions("text", "json", "yaml"), streams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the kubehop version and the local cluster's pinned components",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	o.Output.AddFlags(cmd.Flags())
	return cmd
}

type versionInfo struct {
	buildinfo.Info
	LocalCluster localcluster.Pinned `json:"localCluster"`
}

// Run prints the version.
func (o *Options) Run() error {
	v := versionInfo{Info: buildinfo.Get(), LocalCluster: localcluster.PinnedVersions()}
	if o.Output.Structured() {
		return o.Output.PrintStructured(o.streams.Out, v)
	}
	fmt.Fprintf(o.streams.Out, "kubehop %s", v.Version)
	if v.Revision != "" {
		fmt.Fprintf(o.streams.Out, " (%s)", v.Revision)
	}
	fmt.Fprintf(o.streams.Out, " %s %s\n", v.GoVersion, v.Platform)
	fmt.Fprintf(o.streams.Out, "local cluster: kubernetes")
	for _, m := range v.LocalCluster.Minors() {
		fmt.Fprintf(o.streams.Out, " %s", v.LocalCluster.Kubernetes[m])
	}
	fmt.Fprintf(o.streams.Out, ", etcd %s, kwok %s\n", v.LocalCluster.Etcd, v.LocalCluster.Kwok)
	return nil
}

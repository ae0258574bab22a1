// Command kubehop plans, runs and verifies Kubernetes cluster upgrades.
package main

import (
	"os"

	"github.com/kubehop/kubehop/internal/cli"
)

func main() { os.Exit(cli.Main()) }

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kubehop/kubehop/internal/localcluster"
)

func main() {
	ctx := context.Background()
	c, err := localcluster.Start(ctx, localcluster.Options{Version: "1.37", NodeReadyDelay: 10 * time.Second, PodReadyDelay: 5 * time.Second, Dir: "/tmp/probe", KeepDir: true})
	if err != nil {
		panic(err)
	}
	defer c.Stop()
	for i := range 3 {
		t := time.Now()
		_, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: "p", Count: 1 + i*2})
		fmt.Println(i, time.Since(t), err)
	}
}

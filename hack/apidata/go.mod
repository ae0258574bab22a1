module github.com/kubehop/kubehop/hack/apidata

go 1.26.0

require (
	go.yaml.in/yaml/v3 v3.0.5
	k8s.io/apimachinery v0.37.2
)

module github.com/platformeng/coder-platform

go 1.26.6

require (
	github.com/stretchr/testify v1.12.1
	pgregory.net/rapid v1.2.0
	sigs.k8s.io/yaml v1.6.0
)

require (
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

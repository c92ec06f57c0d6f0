package cluster

import (
	"fmt"

	"sigs.k8s.io/yaml"
)

// Kubelet holds the kubelet settings a node group's launch template sets
// through an Amazon Linux 2023 nodeadm NodeConfig. EKS merges it with the
// cluster details it injects for managed node groups.
type Kubelet struct {
	MaxPods int
	// RegistryPullQPS and RegistryBurst raise the kubelet's image-pull rate
	// limit (default 5/10), which a morning of workspace starts exceeds.
	RegistryPullQPS int
	RegistryBurst   int
	// SerializeImagePulls false pulls images in parallel.
	SerializeImagePulls bool
	// Eviction thresholds keep headroom on the node's ephemeral storage:
	// running out of it was the workshop platform's main incident.
	EvictionHard            map[string]string
	EvictionSoft            map[string]string
	EvictionSoftGracePeriod map[string]string
	// Image garbage collection starts before eviction does.
	ImageGCHighPercent int
	ImageGCLowPercent  int
	// Container log rotation bounds what logs take on the node.
	ContainerLogMaxSize  string
	ContainerLogMaxFiles int
}

// UserData renders the MIME multi-part user data with the NodeConfig.
func (k Kubelet) UserData() (string, error) {
	cfg := map[string]any{
		"maxPods":                     k.MaxPods,
		"registryPullQPS":             k.RegistryPullQPS,
		"registryBurst":               k.RegistryBurst,
		"serializeImagePulls":         k.SerializeImagePulls,
		"evictionHard":                k.EvictionHard,
		"imageGCHighThresholdPercent": k.ImageGCHighPercent,
		"imageGCLowThresholdPercent":  k.ImageGCLowPercent,
		"containerLogMaxSize":         k.ContainerLogMaxSize,
		"containerLogMaxFiles":        k.ContainerLogMaxFiles,
	}
	if len(k.EvictionSoft) > 0 {
		cfg["evictionSoft"] = k.EvictionSoft
		cfg["evictionSoftGracePeriod"] = k.EvictionSoftGracePeriod
	}
	doc := map[string]any{
		"apiVersion": "node.eks.aws/v1alpha1",
		"kind":       "NodeConfig",
		"spec":       map[string]any{"kubelet": map[string]any{"config": cfg}},
	}
	body, err := yaml.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("rendering NodeConfig: %w", err)
	}
	const boundary = "//NODECONFIG"
	return "MIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\n\n" +
		"--" + boundary + "\n" +
		"Content-Type: application/node.eks.aws\n\n" +
		"---\n" + string(body) + "\n" +
		"--" + boundary + "--\n", nil
}

// StandardKubelet is the baseline for every tier.
func StandardKubelet(maxPods int) Kubelet {
	return Kubelet{
		MaxPods:              maxPods,
		RegistryPullQPS:      5,
		RegistryBurst:        10,
		SerializeImagePulls:  true,
		EvictionHard:         map[string]string{"memory.available": "100Mi", "nodefs.available": "10%", "nodefs.inodesFree": "5%", "imagefs.available": "10%"},
		ImageGCHighPercent:   85,
		ImageGCLowPercent:    70,
		ContainerLogMaxSize:  "50Mi",
		ContainerLogMaxFiles: 5,
	}
}

// WorkspaceKubelet adds fast parallel image pulls and ephemeral-storage
// headroom: images are collected from 75 % used, workspaces are evicted
// softly at 85 % (after 2 minutes) and hard at 90 %.
func WorkspaceKubelet(maxPods, pullQPS int) Kubelet {
	k := StandardKubelet(maxPods)
	k.RegistryPullQPS = pullQPS
	k.RegistryBurst = 2 * pullQPS
	k.SerializeImagePulls = false
	k.ImageGCHighPercent = 75
	k.ImageGCLowPercent = 60
	k.EvictionSoft = map[string]string{"nodefs.available": "15%", "imagefs.available": "15%", "memory.available": "500Mi"}
	k.EvictionSoftGracePeriod = map[string]string{"nodefs.available": "2m", "imagefs.available": "2m", "memory.available": "1m"}
	return k
}

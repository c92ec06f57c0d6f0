package templates

import "github.com/platformeng/coder-platform/templates/contract"

// Toolchain is a toolchain.yaml: what a developer needs, on any platform.
type Toolchain struct {
	APIVersion   string            `json:"apiVersion"`
	Kind         string            `json:"kind"`
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Description  string            `json:"description"`
	OS           string            `json:"os"`
	Languages    []Language        `json:"languages"`
	Tools        []string          `json:"tools"`
	Libraries    []string          `json:"libraries"`
	Capabilities Needs             `json:"capabilities"`
	Profiles     []Profile         `json:"profiles"`
	Bootstrap    []Script          `json:"bootstrap"`
	Validation   []Check           `json:"validation"`
	Apps         []App             `json:"apps"`
	Env          map[string]string `json:"env"`
	Exceptions   []Exception       `json:"exceptions"`

	// Files are the toolchain's files by path under its directory, for
	// hashing and rendering.
	Files map[string][]byte `json:"-"`
	// Hash is the SHA-256 of Files (see hashFiles).
	Hash string `json:"-"`
}

// Exception accepts one supply-chain finding of the security scan
// (templates/scan): the rule, a substring of the offending line, and why.
// Security reviews it, and the policy pack reports it on every preview.
type Exception struct {
	Rule   string `json:"rule"`
	Match  string `json:"match"`
	Reason string `json:"reason"`
}

// Language is a language runtime and its version.
type Language struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Needs are the capabilities a toolchain requires and those it uses when
// the base provides them.
type Needs struct {
	Requires []contract.Capability `json:"requires"`
	Optional []contract.Capability `json:"optional"`
}

// Profile is a compute profile, offered to users as a t-shirt size.
type Profile struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	CPU         int    `json:"cpu"`
	MemoryGiB   int    `json:"memoryGiB"`
	DiskGiB     int    `json:"diskGiB"`
	GPU         int    `json:"gpu"`
}

// Script is a bootstrap script under scripts/.
type Script struct {
	Name           string `json:"name"`
	Path           string `json:"path"`
	TimeoutSeconds int    `json:"timeoutSeconds"`
}

// Check proves a tool is installed: Command's output contains Expect.
type Check struct {
	Name    string `json:"name"`
	Command string `json:"command"`
	Expect  string `json:"expect"`
}

// App is a web app the toolchain serves inside the workspace.
type App struct {
	Slug        string `json:"slug"`
	DisplayName string `json:"displayName"`
	Icon        string `json:"icon"`
	Port        int    `json:"port"`
	Path        string `json:"path"`
	HealthPath  string `json:"healthPath"`
	Subdomain   bool   `json:"subdomain"`
}

// Base is a base.yaml: how one platform runs a workspace. Its Terraform
// module sits next to it.
type Base struct {
	APIVersion    string                `json:"apiVersion"`
	Kind          string                `json:"kind"`
	Name          string                `json:"name"`
	Version       string                `json:"version"`
	Channel       string                `json:"channel"`
	Platform      string                `json:"platform"`
	OS            string                `json:"os"`
	Description   string                `json:"description"`
	AgentAuth     string                `json:"agentAuth"`
	Provides      []contract.Capability `json:"provides"`
	Images        []Image               `json:"images"`
	InstanceTypes []InstanceType        `json:"instanceTypes"`
	Limits        Limits                `json:"limits"`
	Overrides     map[string]Bound      `json:"overrides"`
	Variables     []Variable            `json:"variables"`
	Isolation     string                `json:"isolation"`
	StartMinutes  int                   `json:"startMinutes"`
	Files         []string              `json:"files"`
	Exceptions    []Exception           `json:"exceptions"`

	// Module holds the module's files by path, for hashing and rendering.
	Module map[string][]byte `json:"-"`
	Hash   string            `json:"-"`
}

// Platforms of a base.
const (
	PlatformKubernetes = "kubernetes"
	PlatformEC2        = "ec2"
)

// Image is an image_id a base accepts.
type Image struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// InstanceType is an EC2 type an EC2 base may choose for a profile.
type InstanceType struct {
	Type      string `json:"type"`
	CPU       int    `json:"cpu"`
	MemoryGiB int    `json:"memoryGiB"`
	GPU       int    `json:"gpu"`
}

// Limits bound the profiles a base accepts.
type Limits struct {
	CPU       int `json:"cpu"`
	MemoryGiB int `json:"memoryGiB"`
	DiskGiB   int `json:"diskGiB"`
	GPU       int `json:"gpu"`
}

// Bound is what an override of one base field may be.
type Bound struct {
	Type        string   `json:"type"`
	Min         *int     `json:"min,omitempty"`
	Max         *int     `json:"max,omitempty"`
	Allowed     []string `json:"allowed,omitempty"`
	Default     any      `json:"default,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Variable is an infrastructure value the stack supplies at delivery
// (a subnet, a security group): never a secret.
type Variable struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// Composition is one published template: a toolchain on a base, with
// overrides and the template's settings.
type Composition struct {
	APIVersion  string         `json:"apiVersion"`
	Kind        string         `json:"kind"`
	Name        string         `json:"name"`
	DisplayName string         `json:"displayName"`
	Description string         `json:"description"`
	Icon        string         `json:"icon"`
	Toolchain   ToolchainRef   `json:"toolchain"`
	Base        BaseRef        `json:"base"`
	Overrides   map[string]any `json:"overrides"`
	Settings    Settings       `json:"settings"`

	// Regions are the regions of the stack that delivers it, the control
	// plane first: workspaces pick one (a single region is fixed), and the
	// region tag routes their builds (RegionTag). Empty outside a stack.
	Regions []string `json:"-"`
}

// ToolchainRef names a toolchain and the versions a composition accepts.
type ToolchainRef struct {
	Name     string `json:"name"`
	Versions string `json:"versions"`
}

// BaseRef names a base and how its upgrades are followed: stable and beta
// follow that channel, pinned holds one version.
type BaseRef struct {
	Name    string `json:"name"`
	Channel string `json:"channel"`
	Version string `json:"version"`
}

// Settings are the template object's settings in coderd.
type Settings struct {
	Schedule             Schedule    `json:"schedule"`
	DefaultTTL           string      `json:"defaultTtl"`
	ActivityBump         string      `json:"activityBump"`
	AutostopRequirement  Requirement `json:"autostopRequirement"`
	AllowUserAutostart   *bool       `json:"allowUserAutostart"`
	AllowUserAutostop    *bool       `json:"allowUserAutostop"`
	RequireActiveVersion bool        `json:"requireActiveVersion"`
	Access               Access      `json:"access"`
	MaxWorkspacesPerUser int         `json:"maxWorkspacesPerUser"`
	// Deprecated is the message that, when set, deprecates the template
	// in coderd: users see it, and no new workspace is created from it.
	Deprecated string `json:"deprecated"`
}

// Schedule is the working day workspaces follow.
type Schedule struct {
	TimeZone  string   `json:"timeZone"`
	Autostart string   `json:"autostart"`
	Autostop  string   `json:"autostop"`
	Days      []string `json:"days"`
}

// Requirement is Coder's autostop requirement: stop in quiet hours on
// these days, every Weeks weeks.
type Requirement struct {
	Days  []string `json:"days"`
	Weeks int      `json:"weeks"`
}

// Access says who may use a template.
type Access struct {
	Groups   []string `json:"groups"`
	Users    []string `json:"users"`
	Everyone bool     `json:"everyone"`
}

// Published records the highest version of each toolchain and base that was
// published, with its content hash.
type Published struct {
	Toolchains map[string]Release `json:"toolchains"`
	Bases      map[string]Release `json:"bases"`
}

// Release is one published version.
type Release struct {
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

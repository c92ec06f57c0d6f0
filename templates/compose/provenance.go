package compose

import (
	"github.com/platformeng/coder-platform/templates/contract"
)

// Provenance says exactly what a template was composed from.
type Provenance struct {
	Template     string         `json:"template"`
	Toolchain    Artifact       `json:"toolchain"`
	Base         Artifact       `json:"base"`
	Overrides    map[string]any `json:"overrides"`
	Capabilities []string       `json:"capabilities"`
	Composer     string         `json:"composer"`
	Contract     string         `json:"contract"`
}

// Artifact is one input of a composition.
type Artifact struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Channel string `json:"channel,omitempty"`
	SHA256  string `json:"sha256"`
}

func (t *Template) provenance() Provenance {
	caps := contract.Strings(t.Used())
	return Provenance{
		Template:     t.Name,
		Toolchain:    Artifact{Name: t.Toolchain.Name, Version: t.Toolchain.Version, SHA256: t.Toolchain.Hash},
		Base:         Artifact{Name: t.Base.Name, Version: t.Base.Version, Channel: t.Base.Channel, SHA256: t.Base.Hash},
		Overrides:    t.Settings,
		Capabilities: caps,
		Composer:     Version,
		Contract:     contract.Version,
	}
}

// VersionName is the coderd template version name: readable, and unique
// per content, so a re-run finds the version it already pushed.
func (t *Template) VersionName() string {
	return t.Toolchain.Name + "-" + t.Toolchain.Version + "." + t.Base.Name + "-" + t.Base.Version + "." + t.Hash[:12]
}

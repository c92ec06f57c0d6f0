package compose

import (
	"fmt"

	"github.com/blang/semver"

	"github.com/platformeng/coder-platform/templates"
)

// Channels a base is released on, from most to least conservative.
const (
	ChannelStable = "stable"
	ChannelBeta   = "beta"
	ChannelPinned = "pinned"
)

// checkVersions enforces semantic versioning: the toolchain is in the
// composition's range, the base is on the channel the composition follows,
// and neither goes backwards from (or changes content under) the version
// recorded in published.yaml.
func checkVersions(c *templates.Catalog, m *templates.Composition, tc *templates.Toolchain, base *templates.Base) error {
	v, err := semver.Parse(tc.Version)
	if err != nil {
		return fmt.Errorf("toolchain %s version %q is not semver: %w", tc.Name, tc.Version, err)
	}
	r, err := semver.ParseRange(m.Toolchain.Versions)
	if err != nil {
		return fmt.Errorf("toolchain.versions %q is not a semver range: %w", m.Toolchain.Versions, err)
	}
	if !r(v) {
		return fmt.Errorf("toolchain %s %s is outside the composition's range %q", tc.Name, tc.Version, m.Toolchain.Versions)
	}
	if err := followsChannel(m.Base, base); err != nil {
		return err
	}
	if err := NotBehind("toolchain", tc.Name, tc.Version, tc.Hash, c.Published.Toolchains); err != nil {
		return err
	}
	return NotBehind("base", base.Name, base.Version, base.Hash, c.Published.Bases)
}

// followsChannel: stable takes only stable releases, beta takes beta or
// stable, pinned takes exactly the pinned version.
func followsChannel(ref templates.BaseRef, base *templates.Base) error {
	switch ref.Channel {
	case ChannelPinned:
		if ref.Version == "" {
			return fmt.Errorf("base.channel pinned needs base.version")
		}
		if ref.Version != base.Version {
			return fmt.Errorf("base %s is pinned to %s but the catalog has %s; keep the pinned version's files or move the pin", base.Name, ref.Version, base.Version)
		}
	case ChannelStable:
		if base.Channel != ChannelStable {
			return fmt.Errorf("base %s %s is released on %s; a composition on the stable channel takes stable releases only", base.Name, base.Version, base.Channel)
		}
	case ChannelBeta:
		if base.Channel == ChannelPinned {
			return fmt.Errorf("base %s %s is released as pinned-only; pin it with base.channel pinned", base.Name, base.Version)
		}
	}
	return nil
}

// NotBehind fails when version is lower than the published one for the
// name, or equal to it with different content.
func NotBehind(kind, name, version, hash string, published map[string]templates.Release) error {
	p, ok := published[name]
	if !ok {
		return nil
	}
	v, err := semver.Parse(version)
	if err != nil {
		return fmt.Errorf("%s %s version %q is not semver: %w", kind, name, version, err)
	}
	pv, err := semver.Parse(p.Version)
	if err != nil {
		return fmt.Errorf("published.yaml: %s %s version %q is not semver: %w", kind, name, p.Version, err)
	}
	switch {
	case v.LT(pv):
		return fmt.Errorf("%s %s %s is lower than the published %s; versions never go backwards (roll back by releasing the old content as a new version)", kind, name, version, p.Version)
	case v.EQ(pv) && hash != p.SHA256:
		return fmt.Errorf("%s %s %s changed after it was published (sha256 %s, published %s); bump its version", kind, name, version, short(hash), short(p.SHA256))
	}
	return nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

package compose

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/contract"
)

// Profile is a compute profile as offered: the toolchain's size and, on
// EC2, the instance type that holds it.
type Profile struct {
	templates.Profile
	InstanceType string
}

// Label is the size's description in the size picker.
func (p Profile) Label() string {
	s := fmt.Sprintf("%d vCPU, %d GiB memory, %d GiB home", p.CPU, p.MemoryGiB, p.DiskGiB)
	if p.GPU > 0 {
		s += fmt.Sprintf(", %d GPU", p.GPU)
	}
	if p.InstanceType != "" {
		s += " (" + p.InstanceType + ")"
	}
	return s
}

// SelectProfiles picks the toolchain's sizes the base can run: GPU sizes on
// bases with gpu-support, CPU sizes elsewhere. Every offered size must fit
// the base's limits; on EC2 it gets the smallest instance type of the
// allowed families that holds it.
func SelectProfiles(tc *templates.Toolchain, base *templates.Base, settings map[string]any) ([]Profile, error) {
	gpuBase := slices.Contains(base.Provides, contract.GPUSupport)
	var out []Profile
	for _, p := range Offerable(tc, base) {
		if err := fits(p, base); err != nil {
			return nil, fmt.Errorf("profile %s: %w", p.Name, err)
		}
		sel := Profile{Profile: p}
		if base.Platform == templates.PlatformEC2 {
			families, _ := settings["instance_families"].([]string)
			it, err := instanceFor(p, base, families)
			if err != nil {
				return nil, fmt.Errorf("profile %s: %w", p.Name, err)
			}
			sel.InstanceType = it
		}
		out = append(out, sel)
	}
	if len(out) == 0 {
		kind := "CPU-only"
		if gpuBase {
			kind = "GPU"
		}
		return nil, fmt.Errorf("toolchain %s has no %s profile for base %s", tc.Name, kind, base.Name)
	}
	return out, nil
}

// Offerable are the toolchain's profiles a base can offer: GPU profiles on
// bases with gpu-support, the others elsewhere.
func Offerable(tc *templates.Toolchain, base *templates.Base) []templates.Profile {
	gpuBase := slices.Contains(base.Provides, contract.GPUSupport)
	var out []templates.Profile
	for _, p := range tc.Profiles {
		if (p.GPU > 0) == gpuBase {
			out = append(out, p)
		}
	}
	return out
}

func fits(p templates.Profile, base *templates.Base) error {
	l := base.Limits
	for _, c := range []struct {
		field      string
		got, limit int
	}{{"cpu", p.CPU, l.CPU}, {"memoryGiB", p.MemoryGiB, l.MemoryGiB}, {"diskGiB", p.DiskGiB, l.DiskGiB}, {"gpu", p.GPU, l.GPU}} {
		if c.got > c.limit {
			return fmt.Errorf("%s %d exceeds base %s's limit of %d", c.field, c.got, base.Name, c.limit)
		}
	}
	return nil
}

// instanceFor is the smallest type (fewest GPUs, then vCPUs, then memory)
// of the allowed families that holds the profile; on a tie the family listed
// first wins.
func instanceFor(p templates.Profile, base *templates.Base, families []string) (string, error) {
	var fit []templates.InstanceType
	for _, it := range base.InstanceTypes {
		if slices.Contains(families, familyOf(it.Type)) && it.CPU >= p.CPU && it.MemoryGiB >= p.MemoryGiB && it.GPU >= p.GPU {
			fit = append(fit, it)
		}
	}
	if len(fit) == 0 {
		return "", fmt.Errorf("no instance type of families %s holds %d vCPU, %d GiB and %d GPU", strings.Join(families, ", "), p.CPU, p.MemoryGiB, p.GPU)
	}
	slices.SortStableFunc(fit, func(a, b templates.InstanceType) int {
		return cmp.Or(cmp.Compare(a.GPU, b.GPU), cmp.Compare(a.CPU, b.CPU), cmp.Compare(a.MemoryGiB, b.MemoryGiB),
			cmp.Compare(slices.Index(families, familyOf(a.Type)), slices.Index(families, familyOf(b.Type))))
	})
	return fit[0].Type, nil
}

func familyOf(instanceType string) string {
	family, _, _ := strings.Cut(instanceType, ".")
	return family
}

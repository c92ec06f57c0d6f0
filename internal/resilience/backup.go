package resilience

import (
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/preview"
)

// homeCover is whether a region's home volumes have recovery points.
type homeCover struct {
	Backed, Copied bool
	text           string
}

// fate is what becomes of the lost home volumes: restored from a recovery
// point that survives the failure, or waiting for the zone or region.
func (c homeCover) fate(regionLost bool) string {
	switch {
	case regionLost && c.Copied:
		return c.text + "; each can be restored from its copy in another region"
	case regionLost:
		return c.text + "; no copy survives the region: they wait for it to return"
	case c.Backed:
		return c.text + "; each can be restored in a surviving zone"
	}
	return c.text + "; they wait for the zone to return"
}

// homeBackup finds the AWS Backup selection that covers the home volumes:
// the tags the home StorageClass puts on every volume it provisions
// (parameters.tagSpecification_N, "key=value") against the selections'
// selectionTags (or conditions.stringEquals on aws:ResourceTag/key) in the
// region or stack-wide; copied when its plan has a copy action.
func (a *analysis) homeBackup(region string) homeCover {
	tags := map[string]string{}
	for _, sc := range a.g.inRegion(tStorageClass, region) {
		if sc.Str("metadata.name") != workloads.StorageClassHome {
			continue
		}
		params, _ := plain(sc, "parameters").(map[string]any)
		for k, v := range params {
			if s, ok := v.(string); ok && strings.HasPrefix(k, "tagSpecification_") {
				if key, val, ok := strings.Cut(s, "="); ok {
					tags[key] = val
				}
			}
		}
	}
	if len(tags) == 0 {
		return homeCover{text: sprintf("home volumes are not backed up (StorageClass %s tags none of its volumes)", workloads.StorageClassHome)}
	}
	for _, sel := range a.g.OfType(tBackupSelection) {
		if r := a.g.Region(sel); r != "" && r != region {
			continue
		}
		if !selects(sel, tags) {
			continue
		}
		c := homeCover{Backed: true}
		var dest []string
		for _, plan := range a.g.refsOfType(sel, "planId", tBackupPlan) {
			rules, _ := plain(plan, "rules").([]any)
			for _, r := range rules {
				m, _ := r.(map[string]any)
				copies, _ := m["copyActions"].([]any)
				for _, ca := range copies {
					cm, _ := ca.(map[string]any)
					if arn, ok := cm["destinationVaultArn"].(string); ok {
						dest = append(dest, arnRegion(arn))
					}
				}
			}
		}
		c.Copied = len(dest) > 0
		c.text = sprintf("their home volumes are backed up (AWS Backup selection %s)", sel.Name)
		if c.Copied {
			c.text += ", copied to " + strings.Join(slices.Compact(dest), ", ")
		}
		return c
	}
	var kv []string
	for _, k := range preview.SortedKeys(tags) {
		kv = append(kv, k+"="+tags[k])
	}
	return homeCover{text: sprintf("home volumes are not backed up (no AWS Backup selection in the preview selects their tag %s)", strings.Join(kv, ", "))}
}

// selects reports whether a backup selection picks resources carrying tags.
func selects(sel *preview.Resource, tags map[string]string) bool {
	st, _ := plain(sel, "selectionTags").([]any)
	for _, t := range st {
		m, _ := t.(map[string]any)
		if k, _ := m["key"].(string); k != "" && tags[k] == m["value"] {
			return true
		}
	}
	// conditions is a list of {stringEquals: [{key, value}]} (the
	// provider's condition blocks; API_BackupSelection Conditions).
	conds, _ := plain(sel, "conditions").([]any)
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		eq, _ := cm["stringEquals"].([]any)
		for _, t := range eq {
			m, _ := t.(map[string]any)
			k, _ := m["key"].(string)
			if k, ok := strings.CutPrefix(k, "aws:ResourceTag/"); ok && tags[k] == m["value"] {
				return true
			}
		}
	}
	return false
}

// arnRegion is the region field of an ARN.
func arnRegion(arn string) string {
	if parts := strings.SplitN(arn, ":", 5); len(parts) == 5 {
		return parts[3]
	}
	return arn
}

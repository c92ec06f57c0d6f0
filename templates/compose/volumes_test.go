package compose

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inspectBase(t *testing.T, main string) []Volume {
	t.Helper()
	f, err := Inspect(map[string][]byte{BaseDir + "/" + MainFile: []byte(main)})
	require.NoError(t, err)
	return f.Volumes
}

// The tags of each EBS volume, read as Terraform merges them.
func TestVolumeFacts(t *testing.T) {
	const head = "locals {\n  backup_tags = { \"coder:backup\" = \"home\" }\n  other       = { \"coder:backup\" = \"none\" }\n  tags        = { Name = var.name }\n}\n\n"
	cases := []struct {
		name, tags string
		want       bool
	}{
		{"merged local", `merge(local.tags, local.backup_tags, { Name = "x" })`, true},
		{"literal", `{ "coder:backup" = "home" }`, true},
		{"the local alone", `local.backup_tags`, true},
		{"no tag", `local.tags`, false},
		{"overridden later", `merge(local.backup_tags, local.other)`, false},
		{"wrong value", `{ "coder:backup" = "daily" }`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := inspectBase(t, head+"resource \"aws_ebs_volume\" \"home\" {\n  tags = "+c.tags+"\n}\n")
			require.Len(t, v, 1)
			assert.Equal(t, Volume{Block: "resource.aws_ebs_volume.home", BackedUp: c.want}, v[0])
		})
	}
	v := inspectBase(t, head+"resource \"aws_instance\" \"w\" {\n  root_block_device {\n    volume_size = 10\n  }\n}\n")
	assert.Equal(t, []Volume{{Block: "resource.aws_instance.w.root_block_device"}}, v)
}

package compose

import (
	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/scan"
)

// scan runs the security scan over each layer with that layer's own
// exceptions, so a toolchain cannot accept a base's finding or the reverse,
// and over the root module the composer wrote.
func (t *Template) scan() error {
	layers := []struct {
		name       string
		files      map[string][]byte
		exceptions []templates.Exception
	}{
		{"toolchain " + t.Toolchain.Name, t.Toolchain.Files, t.Toolchain.Exceptions},
		{"base " + t.Base.Name, t.Base.Module, t.Base.Exceptions},
		{"template " + t.Name, map[string][]byte{MainFile: t.Files[MainFile]}, nil},
	}
	var r scan.Report
	for _, l := range layers {
		lr, err := scan.Layer(l.name, l.files, l.exceptions)
		if err != nil {
			return err
		}
		r.Merge(lr)
	}
	t.Scan = r
	return r.Err()
}

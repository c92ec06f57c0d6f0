package diagram

import (
	"regexp"
	"strconv"
)

// D2 writes coordinates with six decimals. Rounding them to two, inside
// geometry attributes only (never text, where "10.40.0.0/16" must stay as
// it is), takes a fifth off the committed files and changes nothing a
// reader can see.

var (
	geometryAttr = regexp.MustCompile(`\s(?:d|x|y|x1|y1|x2|y2|cx|cy|r|rx|ry|width|height|points|viewBox|transform)="[^"]*"`)
	decimal      = regexp.MustCompile(`-?\d+\.\d{3,}`)
)

func roundGeometry(svg []byte) []byte {
	return geometryAttr.ReplaceAllFunc(svg, func(attr []byte) []byte {
		return decimal.ReplaceAllFunc(attr, func(n []byte) []byte {
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return n
			}
			out := strconv.FormatFloat(f, 'f', 2, 64)
			for out[len(out)-1] == '0' {
				out = out[:len(out)-1]
			}
			if out[len(out)-1] == '.' {
				out = out[:len(out)-1]
			}
			if out == "-0" {
				out = "0"
			}
			return []byte(out)
		})
	})
}

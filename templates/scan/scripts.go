package scan

import (
	"path"
	"regexp"
	"strings"
)

var (
	fetchRE = regexp.MustCompile(`(?i)\b(curl|wget|Invoke-WebRequest|Invoke-RestMethod|iwr|irm)\s`)
	urlRE   = regexp.MustCompile(`(?i)\bhttps?://[^\s"'()\]{}]+`)
	// A fetch piped into a shell, or a shell running a fetch's output.
	pipeShellRE = regexp.MustCompile(`(?i)\|\s*(sudo\s+(-\S+\s+)*)?(ba|z|da|k)?sh\b|\|\s*(iex|Invoke-Expression)\b`)
	subShellRE  = regexp.MustCompile(`(?i)\b(ba|z)?sh\s+(-c\s+)?["']?(\$\(|<\()\s*(curl|wget)\b|\b(iex|Invoke-Expression)\b.*\b(DownloadString|iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\b`)
	verifyRE    = regexp.MustCompile(`(?i)sha256sum|shasum\s+-a\s*256|Get-FileHash|Get-AuthenticodeSignature|gpg\s+--verify`)
	pipRE       = regexp.MustCompile(`\bpip3?(\.exe)?["']?\s+install\s+(.*)$`)
	versionRE   = regexp.MustCompile(`[0-9]+\.[0-9]+|\$`)
	// Where a fetch writes its artifact.
	curlOutRE   = regexp.MustCompile(`(?:^|\s)(?:--output|-[A-Za-z]*o)\s+("[^"]+"|'[^']+'|\S+)`)
	curlRemote  = regexp.MustCompile(`(?:^|\s)(?:--remote-name|-[A-Za-z]*O)(?:\s|$)`)
	wgetOutRE   = regexp.MustCompile(`(?:^|\s)(?:--output-document[= ]|-[A-Za-z]*O\s*)("[^"]+"|'[^']+'|\S+)`)
	psOutFileRE = regexp.MustCompile(`(?i)-OutFile\s+("[^"]+"|'[^']+'|\S+)`)
)

// line is a logical line: continuations joined, numbered from its start.
type line struct {
	n    int
	text string
}

func logicalLines(data []byte) []line {
	var out []line
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(string(data), "\n") {
		if cur.Len() == 0 {
			start = i + 1
		}
		t := strings.TrimSpace(raw)
		if strings.HasSuffix(t, "\\") || strings.HasSuffix(t, "`") {
			cur.WriteString(strings.TrimSpace(t[:len(t)-1]) + " ")
			continue
		}
		cur.WriteString(t)
		out = append(out, line{start, cur.String()})
		cur.Reset()
	}
	return out
}

// Script applies the supply-chain rules to a script, or to the scripts a
// Terraform file or template carries in heredocs.
func Script(file string, data []byte) []Finding {
	lines := logicalLines(data)
	var out []Finding
	add := func(rule string, l line) {
		out = append(out, Finding{Rule: rule, File: file, Line: l.n, Text: l.text})
	}
	for i, l := range lines {
		if strings.HasPrefix(l.text, "#") {
			continue
		}
		if subShellRE.MatchString(l.text) {
			add("pipe-to-shell", l)
		}
		if m := pipRE.FindStringSubmatch(l.text); len(m) > 2 && !pinnedPip(m[2]) {
			add("unpinned-package", l)
		}
		for _, loc := range fetchRE.FindAllStringIndex(l.text, -1) {
			seg, rest := fetchSegment(l.text[loc[0]:])
			if pipeShellRE.MatchString(rest) && !subShellRE.MatchString(l.text) {
				add("pipe-to-shell", l)
			}
			url := urlRE.FindString(seg)
			if url == "" {
				continue
			}
			if strings.HasPrefix(strings.ToLower(url), "http://") && !local(url) {
				add("insecure-transport", l)
			}
			artifact := output(strings.ToLower(l.text[loc[0]:loc[1]]), seg, url)
			if artifact == "" {
				continue // read into a pipe or a variable, not installed from a file
			}
			if p := urlPath(url); strings.Contains(strings.ToLower(p), "latest") || !versionRE.MatchString(p) {
				add("unpinned-download", l)
			}
			if !verifiedLater(lines[i:], l.text[loc[1]:], artifact) {
				add("unverified-download", l)
			}
		}
	}
	return out
}

// urlPath is the URL without scheme and host: a version lives there.
func urlPath(url string) string {
	rest := url[strings.Index(url, "://")+3:]
	if i := strings.Index(rest, "/"); i >= 0 {
		return rest[i:]
	}
	return ""
}

// fetchSegment is the fetch command up to its pipe or the next command,
// and what follows.
func fetchSegment(s string) (string, string) {
	end := len(s)
	for _, sep := range []string{"|", "&&", ";"} {
		if i := strings.Index(s, sep); i >= 0 && i < end {
			end = i
		}
	}
	return s[:end], s[end:]
}

// output is the basename of the file a fetch writes, or "" for stdout.
func output(cmd, seg, url string) string {
	var m []string
	switch cmd = strings.TrimSpace(cmd); {
	case cmd == "curl":
		if m = curlOutRE.FindStringSubmatch(seg); m == nil && curlRemote.MatchString(seg) {
			return path.Base(url)
		}
	case cmd == "wget":
		if m = wgetOutRE.FindStringSubmatch(seg); m == nil {
			return path.Base(url)
		}
	default:
		m = psOutFileRE.FindStringSubmatch(seg)
	}
	if m == nil {
		return ""
	}
	f := strings.Trim(m[1], `"'`)
	if f == "-" {
		return ""
	}
	return f[strings.LastIndexAny(f, `/\`)+1:]
}

// verifiedLater reports whether the artifact is checked after the fetch,
// on the same line or a later one.
func verifiedLater(lines []line, sameLineRest, artifact string) bool {
	if verifyRE.MatchString(sameLineRest) && strings.Contains(sameLineRest, artifact) {
		return true
	}
	for _, l := range lines[1:] {
		if verifyRE.MatchString(l.text) && strings.Contains(l.text, artifact) {
			return true
		}
	}
	return false
}

// pinnedPip reports whether every package a pip install names is pinned
// with ==. A requirements or constraints file is judged where it lives.
func pinnedPip(args string) bool {
	fields := strings.Fields(args)
	for i := 0; i < len(fields); i++ {
		f := strings.Trim(fields[i], `"'`)
		switch {
		case f == "-r" || f == "--requirement" || f == "-c" || f == "--constraint":
			return true
		case f == "-i" || f == "--index-url" || f == "--extra-index-url" || f == "-f" || f == "--find-links" ||
			f == "-t" || f == "--target" || f == "--prefix" || f == "-e" || f == "--editable":
			i++
		case strings.HasPrefix(f, "-"), f == "&&", f == ";":
			if f == "&&" || f == ";" {
				return true
			}
		case !strings.Contains(f, "=="):
			return false
		}
	}
	return true
}

// local is a loopback or link-local address: the workspace's own apps and
// the instance metadata service.
func local(url string) bool {
	host := strings.TrimPrefix(strings.ToLower(url), "http://")
	return strings.HasPrefix(host, "localhost") || strings.HasPrefix(host, "127.") || strings.HasPrefix(host, "169.254.")
}

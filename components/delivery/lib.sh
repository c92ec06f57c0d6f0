# Shared by deliver.sh and configure.sh, which the Jobs run with this file
# in front: coderd API calls and a JSON parser. The session token is read
# from the environment by the CLI and by api(); it is never echoed (no
# set -x).
# api METHOD PATH [curl args] prints the body of a 2xx answer; any other
# answer fails with coderd's message (a 401 names the token's secret).
api() {
  local method=$1 path=$2 out code
  shift 2
  out=$(curl -sS --proto '=https' --tlsv1.2 -X "$method" -w '\n%{http_code}' \
    -H "Coder-Session-Token: ${CODER_SESSION_TOKEN}" -H "Content-Type: application/json" \
    "${CODER_URL}/api/v2${path}" "$@") || { echo "calling coderd failed: ${method} ${path}" >&2; return 1; }
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  case "$code" in
    2??) printf '%s\n' "$out" ;;
    401) echo "coderd rejected the session token (HTTP 401): ${TOKEN_SECRET:-the token} has expired or was revoked; put a new one (docs/runbooks.md, Credentials)" >&2
      return 1 ;;
    *) echo "coderd answered HTTP ${code} to ${method} ${path}: $(printf '%s\n' "$out" | json_get message 2>/dev/null || printf '%s' "$out")" >&2
      return 1 ;;
  esac
}
# status prints the HTTP status of a GET, for routes whose 404 is an answer.
status() {
  curl -sS --proto '=https' --tlsv1.2 -o /dev/null -w '%{http_code}' \
    -H "Coder-Session-Token: ${CODER_SESSION_TOKEN}" "${CODER_URL}/api/v2$1"
}
# json_get KEY prints the value of KEY in the JSON object on stdin: a
# string's contents, any other value as its JSON text; it exits 1 when the
# object has no such key. json_items prints each element of the JSON array
# on stdin on a line of its own. Both parse JSON (strings, escapes, nesting,
# any white space) with the POSIX awk the coder image has (busybox), since
# the image has no jq and coderd's and the CLI's encodings differ in layout.
json_get() { json_awk get "$1"; }
json_items() { json_awk items ""; }
json_compact() { json_awk compact ""; }
# json_raw KEY prints KEY's value as JSON text (a string keeps its quotes).
json_raw() { json_awk raw "$1"; }
# json_string S prints S as a JSON string, escaped as json_compact does.
json_string() { local v=${1//\\/\\\\}; printf '"%s"' "${v//\"/\\\"}"; }
json_awk() {
  awk -v mode="$1" -v key="$2" '
    function fail(m) { print "json_get: " m >"/dev/stderr"; exit 2 }
    function ws(i) { while (i <= n && index(" \t\r\n", substr(doc, i, 1)) > 0) i++; return i }
    function strend(i,   c) {
      for (i++; i <= n; i++) { c = substr(doc, i, 1); if (c == "\\") i++; else if (c == "\"") return i }
      fail("unterminated string")
    }
    function valend(i,   c, d, e) {
      c = substr(doc, i, 1)
      if (c == "\"") return strend(i) + 1
      if (c == "{" || c == "[") {
        for (d = 0; i <= n; i++) {
          c = substr(doc, i, 1)
          if (c == "\"") i = strend(i)
          else if (c == "{" || c == "[") d++
          else if (c == "}" || c == "]") { if (--d == 0) return i + 1 }
        }
        fail("unterminated " c)
      }
      for (e = i; e <= n && index(",}] \t\r\n", substr(doc, e, 1)) == 0; ) e++
      if (e == i) fail("unexpected " (i > n ? "end of input" : substr(doc, i, 1)))
      return e
    }
    function hex(h,   v, k) {
      v = 0
      for (k = 1; k <= length(h); k++) v = v * 16 + index("0123456789abcdef", tolower(substr(h, k, 1))) - 1
      return v
    }
    # Escapes decoded: \n \t \r, and \uXXXX as UTF-8 (the Go encoder writes
    # & < > as \u0026 \u003c \u003e); others keep the escaped character.
    function esc(s,   out, c, i) {
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\" || c == "\"") out = out "\\"
        out = out c
      }
      return out
    }
    function unquote(s,   out, c, i, u) {
      for (i = 2; i < length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\") {
          c = substr(s, ++i, 1)
          if (c == "n") c = "\n"; else if (c == "t") c = "\t"; else if (c == "r") c = "\r"
          else if (c == "u") {
            u = hex(substr(s, i + 1, 4)); i += 4
            if (u < 128) c = sprintf("%c", u)
            else if (u < 2048) c = sprintf("%c%c", 192 + int(u / 64), 128 + u % 64)
            else c = sprintf("%c%c%c", 224 + int(u / 4096), 128 + int(u / 64) % 64, 128 + u % 64)
          }
        }
        out = out c
      }
      return out
    }
    { doc = doc $0 "\n" }
    END {
      n = length(doc); i = ws(1)
      if (mode == "compact") {
        # One spelling of a value whatever layout and escapes it came in:
        # no white space between tokens, and every string decoded and
        # escaped again as json_string does (only \\ and \").
        for (out = ""; i <= n; i++) {
          c = substr(doc, i, 1)
          if (c == "\"") {
            e = strend(i); out = out "\"" esc(unquote(substr(doc, i, e - i + 1))) "\""; i = e
          } else if (index(" \t\r\n", c) == 0) out = out c
        }
        print out
        exit 0
      }
      if (mode == "items") {
        if (substr(doc, i, 4) == "null") exit 0  # Go encodes an empty slice as null
        if (substr(doc, i, 1) != "[") fail("not a JSON array")
        for (i = ws(i + 1); i <= n && substr(doc, i, 1) != "]"; ) {
          e = valend(i); v = substr(doc, i, e - i)
          gsub(/\n/, " ", v)  # white space between tokens; strings hold no raw newline
          print v
          i = ws(e)
          if (substr(doc, i, 1) == ",") i = ws(i + 1)
        }
        exit 0
      }
      if (substr(doc, i, 1) != "{") fail("not a JSON object")
      for (i = ws(i + 1); substr(doc, i, 1) == "\""; ) {
        e = strend(i); k = substr(doc, i + 1, e - i - 1)
        i = ws(e + 1)
        if (substr(doc, i, 1) != ":") fail("expected : after \"" k "\"")
        i = ws(i + 1); e = valend(i); v = substr(doc, i, e - i)
        if (k == key) {
          if (v ~ /^"/ && mode == "get") v = unquote(v)
          print v; exit 0
        }
        i = ws(e)
        if (substr(doc, i, 1) == ",") i = ws(i + 1)
      }
      exit 1
    }'
}

# licensed FEATURE succeeds when the stack declares the licensed feature
# (LICENSED_FEATURES, from coder.license.features; validated against what
# the stack uses). Coderd answers an unlicensed feature's routes with 403.
licensed() { case ",${LICENSED_FEATURES:-}," in *",$1,"*) return 0 ;; esac; return 1; }

# organization_id NAME prints the organization's id ("default" is the
# default organization), or fails with what the answer means.
organization_id() {
  local code
  code=$(status "/organizations/$1")
  case "$code" in
    200) api GET "/organizations/$1" | json_get id ;;
    401) echo "coderd rejected the session token (HTTP 401): ${TOKEN_SECRET:-the token} has expired or was revoked; put a new one (docs/runbooks.md, Credentials)" >&2; return 1 ;;
    404) echo "organization $1 not found in coderd" >&2; return 1 ;;
    *) echo "looking up organization $1 answered HTTP ${code}" >&2; return 1 ;;
  esac
}

# ms prints a Go duration such as 11h0m0s in milliseconds, as coderd's
# API reports durations.
ms() {
  local d=$1 total=0
  while [[ $d =~ ^([0-9]+)(h|m|s)(.*)$ ]]; do
    case ${BASH_REMATCH[2]} in
      h) total=$((total + BASH_REMATCH[1] * 3600000)) ;;
      m) total=$((total + BASH_REMATCH[1] * 60000)) ;;
      s) total=$((total + BASH_REMATCH[1] * 1000)) ;;
    esac
    d=${BASH_REMATCH[3]}
  done
  [ -z "$d" ] || { echo "ms: cannot read duration $1" >&2; return 1; }
  echo "$total"
}

# words prints a JSON array of strings (on stdin) as sorted, comma-joined
# words: the form the scripts' settings are compared in.
words() { json_items | tr -d '"' | sort | paste -sd, -; }

// Package browser opens the page `platform report` writes in headless
// Chromium and checks what a reviewer sees: every section shown, the
// figures drawn, no console error, no fetch. It is a module of its own so
// that the browser driver stays out of the program's go.mod.
package browser

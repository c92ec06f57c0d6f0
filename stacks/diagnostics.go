package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Severity of a diagnostic.
type Severity string

const (
	Info    Severity = "info"
	Warning Severity = "warning"
)

// Diagnostic is a finding the program reports while assembling the stack,
// such as a configured size that conflicts with Coder's guidance.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Subject  string   `json:"subject"`
	Message  string   `json:"message"`
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s", d.Severity, d.Subject, d.Message)
}

type diagnostics struct {
	ctx    *pulumi.Context
	report func(Diagnostic)
}

func (d *diagnostics) add(sev Severity, subject, format string, args ...any) {
	diag := Diagnostic{Severity: sev, Subject: subject, Message: fmt.Sprintf(format, args...)}
	msg := subject + ": " + diag.Message
	if sev == Warning {
		_ = d.ctx.Log.Warn(msg, nil)
	} else {
		_ = d.ctx.Log.Info(msg, nil)
	}
	if d.report != nil {
		d.report(diag)
	}
}

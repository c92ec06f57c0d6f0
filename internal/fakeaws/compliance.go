package fakeaws

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// ConfigRule is one AWS Config rule of a region and its compliance
// (COMPLIANT, NON_COMPLIANT, INSUFFICIENT_DATA).
type ConfigRule struct {
	Name, Compliance string
	// NonCompliant is the ComplianceContributorCount of a NON_COMPLIANT rule.
	NonCompliant int
}

// Finding is one Security Hub control finding (ASFF), reduced to the
// fields GetFindings filters and the report prints.
type Finding struct {
	ID, ControlID, GeneratorID string
	Status                     string // Compliance.Status: PASSED, FAILED, WARNING, NOT_AVAILABLE
	RecordState                string // ACTIVE, ARCHIVED
	Workflow                   string // NEW, NOTIFIED, RESOLVED, SUPPRESSED
	ResourceID, Title          string
	Severity                   string // CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL
}

// configCompliance answers DescribeComplianceByConfigRule (JSON 1.1, target
// StarlingDoveService.DescribeComplianceByConfigRule). As AWS does, a named
// rule the region lacks fails the whole call with NoSuchConfigRuleException.
func (s *Server) configCompliance(w http.ResponseWriter, rg *Region, action string, body []byte) {
	if action != "config:DescribeComplianceByConfigRule" {
		s.fail(w, "config", http.StatusBadRequest, "InvalidAction", "unsupported")
		return
	}
	var in struct {
		ConfigRuleNames []string
		ComplianceTypes []string
		NextToken       string
	}
	_ = json.Unmarshal(body, &in)
	var out []map[string]any
	for _, name := range in.ConfigRuleNames {
		if !slices.ContainsFunc(rg.ConfigRules, func(r ConfigRule) bool { return r.Name == name }) {
			s.fail(w, "config", http.StatusBadRequest, "NoSuchConfigRuleException", "The ConfigRule '"+name+"' provided in the request is invalid. Please check the configRule name.")
			return
		}
	}
	for _, r := range rg.ConfigRules {
		if len(in.ConfigRuleNames) > 0 && !slices.Contains(in.ConfigRuleNames, r.Name) {
			continue
		}
		if len(in.ComplianceTypes) > 0 && !slices.Contains(in.ComplianceTypes, r.Compliance) {
			continue
		}
		c := map[string]any{"ComplianceType": r.Compliance}
		if r.Compliance == "NON_COMPLIANT" {
			c["ComplianceContributorCount"] = map[string]any{"CappedCount": r.NonCompliant, "CapExceeded": false}
		}
		out = append(out, map[string]any{"ConfigRuleName": r.Name, "Compliance": c})
	}
	p, next := s.page(in.NextToken, len(out))
	resp := map[string]any{"ComplianceByConfigRules": out[p[0]:p[1]]}
	if next != "" {
		resp["NextToken"] = next
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	writeJSON(w, http.StatusOK, resp)
}

// stringFilter is a Security Hub StringFilter.
type stringFilter struct{ Value, Comparison string }

// matches applies one attribute's filters: EQUALS and PREFIX values are
// alternatives, as in Security Hub; an empty list matches everything.
func matches(v string, fs []stringFilter) bool {
	if len(fs) == 0 {
		return true
	}
	for _, f := range fs {
		switch f.Comparison {
		case "EQUALS":
			if v == f.Value {
				return true
			}
		case "PREFIX":
			if strings.HasPrefix(v, f.Value) {
				return true
			}
		}
	}
	return false
}

// findings answers Security Hub GetFindings (REST-JSON, POST /findings)
// with the region's findings that pass the filters, paged.
func (s *Server) findings(w http.ResponseWriter, rg *Region, r *http.Request, body []byte) {
	if r.Method != http.MethodPost || r.URL.Path != "/findings" {
		s.fail(w, "securityhub", http.StatusNotFound, "InvalidInputException", "unsupported "+r.Method+" "+r.URL.Path)
		return
	}
	var in struct {
		Filters   map[string][]stringFilter
		NextToken string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		s.fail(w, "securityhub", http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	known := []string{"ComplianceSecurityControlId", "GeneratorId", "ComplianceStatus", "RecordState", "WorkflowStatus"}
	for k := range in.Filters {
		if !slices.Contains(known, k) {
			s.fail(w, "securityhub", http.StatusBadRequest, "InvalidInputException", "the fake does not filter on "+k)
			return
		}
	}
	var out []map[string]any
	for _, f := range rg.Findings {
		if !matches(f.ControlID, in.Filters["ComplianceSecurityControlId"]) || !matches(f.GeneratorID, in.Filters["GeneratorId"]) ||
			!matches(f.Status, in.Filters["ComplianceStatus"]) || !matches(f.RecordState, in.Filters["RecordState"]) ||
			!matches(f.Workflow, in.Filters["WorkflowStatus"]) {
			continue
		}
		out = append(out, map[string]any{
			"SchemaVersion": "2018-10-08", "Id": f.ID, "GeneratorId": f.GeneratorID, "Title": f.Title,
			"ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub", "AwsAccountId": "123456789012",
			"CreatedAt": "2025-01-01T00:00:00.000Z", "UpdatedAt": "2025-01-01T00:00:00.000Z", "Description": f.Title,
			"Resources":   []map[string]string{{"Type": "AwsS3Bucket", "Id": f.ResourceID}},
			"Compliance":  map[string]any{"Status": f.Status, "SecurityControlId": f.ControlID},
			"Severity":    map[string]string{"Label": f.Severity},
			"Workflow":    map[string]string{"Status": f.Workflow},
			"RecordState": f.RecordState,
		})
	}
	p, next := s.page(in.NextToken, len(out))
	resp := map[string]any{"Findings": out[p[0]:p[1]]}
	if next != "" {
		resp["NextToken"] = next
	}
	writeJSON(w, http.StatusOK, resp)
}

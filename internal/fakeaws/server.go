// Package fakeaws is a local server on 127.0.0.1 that answers the AWS APIs
// the operations commands call, in each API's own protocol (Service Quotas
// JSON 1.1, the EC2 query protocol, the ELB and RDS query protocols, EKS
// REST-JSON, AWS Config JSON 1.1, Security Hub REST-JSON, and ECR's JSON
// 1.1 with its registry's HTTP API), so the real
// aws-sdk-go-v2 clients run against it with an endpoint override. It pages
// every list, and it can throttle or deny any action, as AWS does. Wire
// shapes follow the SDK's own response snapshots.
package fakeaws

import (
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Instance is one EC2 instance.
type Instance struct {
	ID, Type, VpcID, State string // State: running, pending, stopped...
	Spot                   bool
	VCPU                   int
}

// QuotaRequest is one quota increase request.
type QuotaRequest struct {
	ID, Region, Service, Code, Status string
	Desired                           float64
}

// Volume is one EBS volume.
type Volume struct {
	ID, Type   string
	SizeGiB    int
	InstanceID string // attached to, or empty
	Tags       map[string]string
}

// Tagged is a resource with tags (addresses, VPCs, gateways, databases).
type Tagged struct {
	ID    string
	VpcID string
	Tags  map[string]string
}

// NAT is one NAT gateway.
type NAT struct {
	ID, VpcID, SubnetID, State string
}

// LoadBalancer is one ELBv2 load balancer.
type LoadBalancer struct {
	Name, Type, VpcID string
}

// Region is what one region holds.
type Region struct {
	Instances     []Instance
	Addresses     []Tagged
	VPCs          []Tagged
	Gateways      []Tagged
	NATs          []NAT
	Subnets       map[string]string // subnet id → AZ
	LoadBalancers []LoadBalancer
	Clusters      []string
	DBClusters    []Tagged
	DBInstances   []Tagged
	Volumes       []Volume
	// NodeGroups maps "cluster/nodegroup" to its Auto Scaling group, and
	// ScheduledActions an Auto Scaling group to its scheduled actions.
	NodeGroups       map[string]string
	ScheduledActions map[string][]ScheduledAction
	// ConfigRules and Findings are the region's AWS Config rules and
	// Security Hub findings (compliance.go).
	ConfigRules []ConfigRule
	Findings    []Finding
}

// ScheduledAction is one Auto Scaling scheduled action.
type ScheduledAction struct {
	Name             string
	StartTime        time.Time
	MinSize, Desired int
}

// Server is the fake.
type Server struct {
	*httptest.Server

	mu sync.Mutex
	// Regions by name.
	Regions map[string]*Region
	// Applied are applied quota values by "region/service/code"; a quota
	// without one answers NoSuchResourceException, as AWS does for a quota
	// never adjusted, and then Defaults["service/code"].
	Applied  map[string]float64
	Defaults map[string]float64
	// Plenty, when set, is the default of every quota Defaults leaves out.
	Plenty float64
	// Requests are the quota increase requests filed, in order (what
	// ListRequestedServiceQuotaChangeHistoryByQuota lists).
	Requests []QuotaRequest
	// ErrorReasons answer GetServiceQuota of "region/service/code" with a
	// Quota whose ErrorReason has this code and no value.
	ErrorReasons map[string]string
	// PageSize is how many items one page of a list holds.
	PageSize int
	// Throttle counts, per action ("ec2:DescribeInstances"), the responses
	// to throttle before answering.
	Throttle map[string]int
	// Deny lists actions answered with access denied.
	Deny map[string]bool
	// Calls records every action, in order.
	Calls []string
	// Images are the ECR images present, as "repository:tag".
	Images map[string]bool
	// The registry (registry.go). UpstreamDigest is where an upstream's tag
	// points (ImageDigest when nil); Cached holds "region/repository@digest"
	// of every manifest a region's cache holds; Indexes are the
	// "repository:tag" served as a multi-platform index; Missing are those
	// the upstream does not have.
	UpstreamDigest func(repository, tag string) string
	Cached         map[string]bool
	Indexes        map[string]bool
	Missing        map[string]bool
	manifests      map[string]string
}

// New starts a server; it stops with the test.
func New(t testing.TB) *Server {
	s := &Server{Regions: map[string]*Region{}, Applied: map[string]float64{}, Defaults: map[string]float64{},
		PageSize: 2, Throttle: map[string]int{}, Deny: map[string]bool{}, Images: map[string]bool{}, ErrorReasons: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Region returns (creating) a region's contents.
func (s *Server) Region(name string) *Region {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Regions[name] == nil {
		s.Regions[name] = &Region{Subnets: map[string]string{}, NodeGroups: map[string]string{}, ScheduledActions: map[string][]ScheduledAction{}}
	}
	return s.Regions[name]
}

// Config is an SDK config that sends every client to the server, with
// static credentials and fast retries.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		// The SDK's standard retryer, as in production, with short backoffs.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 5
				o.MaxBackoff = 20 * time.Millisecond
			})
		},
	}
}

// CallCount counts calls of one action.
func (s *Server) CallCount(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.Calls {
		if c == action {
			n++
		}
	}
	return n
}

var credScope = regexp.MustCompile(`Credential=[^/]+/\d+/([^/]+)/([^/]+)/aws4_request`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/ecr/") {
		s.registry(w, r) // Basic credentials, not SigV4
		return
	}
	m := credScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		http.Error(w, "unsigned request", http.StatusForbidden)
		return
	}
	region, service := m[1], m[2]
	body, _ := io.ReadAll(r.Body)
	var action string
	var form url.Values
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		action = service + ":" + op
	case service == "eks" && strings.Contains(r.URL.Path, "/node-groups/"):
		action = "eks:DescribeNodegroup"
	case service == "eks":
		action = "eks:ListClusters"
	case service == "securityhub":
		action = "securityhub:GetFindings"
	default:
		form, _ = url.ParseQuery(string(body))
		action = service + ":" + form.Get("Action")
	}
	s.mu.Lock()
	s.Calls = append(s.Calls, action)
	throttled := s.Throttle[action] > 0
	if throttled {
		s.Throttle[action]--
	}
	denied := s.Deny[action]
	s.mu.Unlock()
	rg := s.Region(region)
	switch {
	case throttled:
		s.fail(w, service, http.StatusBadRequest, throttleCode(service), "Rate exceeded")
	case denied:
		s.fail(w, service, http.StatusForbidden, deniedCode(service), "User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: "+action)
	case service == "servicequotas":
		s.quota(w, region, action, body)
	case action == "ecr:GetAuthorizationToken":
		s.authorizationToken(w, region)
	case service == "ecr":
		s.ecr(w, body)
	case service == "config":
		s.configCompliance(w, rg, action, body)
	case service == "securityhub":
		s.findings(w, rg, r, body)
	case action == "eks:DescribeNodegroup":
		s.nodegroup(w, rg, r.URL.Path)
	case service == "autoscaling":
		s.scheduledActions(w, rg, form)
	case service == "eks":
		page, next := s.page(r.URL.Query().Get("nextToken"), len(rg.Clusters))
		writeJSON(w, http.StatusOK, map[string]any{"clusters": rg.Clusters[page[0]:page[1]], "nextToken": next})
	case service == "ec2":
		s.ec2(w, rg, form)
	case service == "elasticloadbalancing":
		s.elb(w, rg, form)
	case service == "rds":
		s.rds(w, rg, form)
	default:
		http.Error(w, "unknown service "+service, http.StatusBadRequest)
	}
}

func throttleCode(service string) string {
	switch service {
	case "ec2":
		return "RequestLimitExceeded"
	case "servicequotas", "eks", "ecr", "securityhub":
		return "TooManyRequestsException"
	}
	return "Throttling"
}

func deniedCode(service string) string {
	switch service {
	case "ec2":
		return "UnauthorizedOperation"
	case "servicequotas", "eks", "ecr", "securityhub":
		return "AccessDeniedException"
	}
	return "AccessDenied"
}

// fail answers an error in the service's protocol.
func (s *Server) fail(w http.ResponseWriter, service string, status int, code, msg string) {
	switch service {
	case "servicequotas", "ecr", "config":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		writeJSON(w, status, map[string]string{"__type": code, "Message": msg})
	case "eks", "securityhub":
		w.Header().Set("X-Amzn-ErrorType", code)
		writeJSON(w, status, map[string]string{"message": msg})
	case "ec2":
		writeXML(w, status, fmt.Sprintf("<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>fake</RequestID></Response>", code, esc(msg)))
	default:
		writeXML(w, status, fmt.Sprintf("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>", code, esc(msg)))
	}
}

func (s *Server) quota(w http.ResponseWriter, region, action string, body []byte) {
	var in struct {
		ServiceCode, QuotaCode string
		DesiredValue           float64
	}
	_ = json.Unmarshal(body, &in)
	switch action {
	case "servicequotas:RequestServiceQuotaIncrease":
		s.mu.Lock()
		req := QuotaRequest{ID: fmt.Sprintf("req-%d", len(s.Requests)+1), Region: region, Service: in.ServiceCode, Code: in.QuotaCode, Status: "PENDING", Desired: in.DesiredValue}
		s.Requests = append(s.Requests, req)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		writeJSON(w, http.StatusOK, map[string]any{"RequestedQuota": requested(req)})
		return
	case "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota":
		var list []map[string]any
		s.mu.Lock()
		for _, r := range s.Requests {
			if r.Region == region && r.Service == in.ServiceCode && r.Code == in.QuotaCode {
				list = append(list, requested(r))
			}
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		writeJSON(w, http.StatusOK, map[string]any{"RequestedQuotas": list})
		return
	}
	s.mu.Lock()
	applied, ok := s.Applied[region+"/"+in.ServiceCode+"/"+in.QuotaCode]
	def, hasDef := s.Defaults[in.ServiceCode+"/"+in.QuotaCode]
	if !hasDef && s.Plenty > 0 {
		def, hasDef = s.Plenty, true
	}
	s.mu.Unlock()
	reason := s.ErrorReasons[region+"/"+in.ServiceCode+"/"+in.QuotaCode]
	value := applied
	if action == "servicequotas:GetAWSDefaultServiceQuota" {
		value, ok = def, hasDef
	} else if reason != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		writeJSON(w, http.StatusOK, map[string]any{"Quota": map[string]any{
			"ServiceCode": in.ServiceCode, "QuotaCode": in.QuotaCode,
			"ErrorReason": map[string]string{"ErrorCode": reason, "ErrorMessage": "Service Quotas could not read the quota"},
		}})
		return
	}
	if !ok {
		s.fail(w, "servicequotas", http.StatusBadRequest, "NoSuchResourceException", "The request failed because the specified service quota doesn't exist.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	writeJSON(w, http.StatusOK, map[string]any{"Quota": map[string]any{
		"ServiceCode": in.ServiceCode, "QuotaCode": in.QuotaCode, "Value": value, "Adjustable": true,
	}})
}

// page is the [start, end) of the page a token starts, and the next token.
func (s *Server) page(token string, n int) ([2]int, string) {
	start, _ := strconv.Atoi(strings.TrimPrefix(token, "page-"))
	end := min(start+s.PageSize, n)
	if start > n {
		start = n
	}
	next := ""
	if end < n {
		next = fmt.Sprintf("page-%d", end)
	}
	return [2]int{start, end}, next
}

// filterValues are the values of the named filter of a query request
// ("Filter" for EC2's Describe*, which some actions spell "Filter" too).
func filterValues(form url.Values, name string) map[string]bool {
	for i := 1; ; i++ {
		n := form.Get(fmt.Sprintf("Filter.%d.Name", i))
		if n == "" {
			return nil
		}
		if n != name {
			continue
		}
		out := map[string]bool{}
		for j := 1; ; j++ {
			v := form.Get(fmt.Sprintf("Filter.%d.Value.%d", i, j))
			if v == "" {
				return out
			}
			out[v] = true
		}
	}
}

func tagSet(tags map[string]string) string {
	var b strings.Builder
	b.WriteString("<tagSet>")
	for k, v := range tags {
		fmt.Fprintf(&b, "<item><key>%s</key><value>%s</value></item>", esc(k), esc(v))
	}
	b.WriteString("</tagSet>")
	return b.String()
}

func (s *Server) ec2(w http.ResponseWriter, rg *Region, form url.Values) {
	op := form.Get("Action")
	var items []string
	set := ""
	paged := true
	switch op {
	case "DescribeInstances":
		states := filterValues(form, "instance-state-name")
		vpcs := filterValues(form, "vpc-id")
		for _, in := range rg.Instances {
			if (states != nil && !states[in.State]) || (vpcs != nil && !vpcs[in.VpcID]) {
				continue
			}
			life := ""
			if in.Spot {
				life = "<instanceLifecycle>spot</instanceLifecycle>"
			}
			items = append(items, fmt.Sprintf("<item><reservationId>r-%s</reservationId><instancesSet><item><instanceId>%s</instanceId><instanceType>%s</instanceType>"+
				"<instanceState><code>16</code><name>%s</name></instanceState><vpcId>%s</vpcId>%s<cpuOptions><coreCount>%d</coreCount><threadsPerCore>1</threadsPerCore></cpuOptions></item></instancesSet></item>",
				in.ID, in.ID, in.Type, in.State, in.VpcID, life, in.VCPU))
		}
		set = "reservationSet"
	case "DescribeAddresses":
		for _, a := range rg.Addresses {
			items = append(items, fmt.Sprintf("<item><allocationId>%s</allocationId><domain>vpc</domain>%s</item>", a.ID, tagSet(a.Tags)))
		}
		set, paged = "addressesSet", false
	case "DescribeVpcs":
		for _, v := range rg.VPCs {
			items = append(items, fmt.Sprintf("<item><vpcId>%s</vpcId>%s</item>", v.ID, tagSet(v.Tags)))
		}
		set = "vpcSet"
	case "DescribeInternetGateways":
		for _, g := range rg.Gateways {
			items = append(items, fmt.Sprintf("<item><internetGatewayId>%s</internetGatewayId>%s</item>", g.ID, tagSet(g.Tags)))
		}
		set = "internetGatewaySet"
	case "DescribeNatGateways":
		states := filterValues(form, "state")
		for _, n := range rg.NATs {
			if states != nil && !states[n.State] {
				continue
			}
			items = append(items, fmt.Sprintf("<item><natGatewayId>%s</natGatewayId><subnetId>%s</subnetId><vpcId>%s</vpcId><state>%s</state></item>", n.ID, n.SubnetID, n.VpcID, n.State))
		}
		set = "natGatewaySet"
	case "DescribeVolumes":
		types := filterValues(form, "volume-type")
		for _, v := range rg.Volumes {
			if types != nil && !types[v.Type] {
				continue
			}
			att := ""
			if v.InstanceID != "" {
				att = fmt.Sprintf("<item><instanceId>%s</instanceId><volumeId>%s</volumeId><status>attached</status></item>", v.InstanceID, v.ID)
			}
			items = append(items, fmt.Sprintf("<item><volumeId>%s</volumeId><size>%d</size><volumeType>%s</volumeType><attachmentSet>%s</attachmentSet>%s</item>",
				v.ID, v.SizeGiB, v.Type, att, tagSet(v.Tags)))
		}
		set = "volumeSet"
	case "DescribeSubnets":
		for i := 1; form.Get(fmt.Sprintf("SubnetId.%d", i)) != ""; i++ {
			id := form.Get(fmt.Sprintf("SubnetId.%d", i))
			items = append(items, fmt.Sprintf("<item><subnetId>%s</subnetId><availabilityZone>%s</availabilityZone></item>", id, rg.Subnets[id]))
		}
		set = "subnetSet"
	default:
		s.fail(w, "ec2", http.StatusBadRequest, "InvalidAction", "The action "+op+" is not valid for this web service.")
		return
	}
	next := ""
	if paged {
		var p [2]int
		p, next = s.page(form.Get("NextToken"), len(items))
		items = items[p[0]:p[1]]
	}
	tok := ""
	if next != "" {
		tok = "<nextToken>" + next + "</nextToken>"
	}
	writeXML(w, http.StatusOK, fmt.Sprintf(`<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake</requestId><%s>%s</%s>%s</%sResponse>`,
		op, set, strings.Join(items, ""), set, tok, op))
}

func (s *Server) elb(w http.ResponseWriter, rg *Region, form url.Values) {
	if form.Get("Action") != "DescribeLoadBalancers" {
		s.fail(w, "elasticloadbalancing", http.StatusBadRequest, "InvalidAction", "unsupported")
		return
	}
	p, next := s.page(form.Get("Marker"), len(rg.LoadBalancers))
	var b strings.Builder
	for _, lb := range rg.LoadBalancers[p[0]:p[1]] {
		fmt.Fprintf(&b, "<member><LoadBalancerName>%s</LoadBalancerName><Type>%s</Type><VpcId>%s</VpcId></member>", lb.Name, lb.Type, lb.VpcID)
	}
	marker := ""
	if next != "" {
		marker = "<NextMarker>" + next + "</NextMarker>"
	}
	writeXML(w, http.StatusOK, fmt.Sprintf("<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers>%s</LoadBalancers>%s</DescribeLoadBalancersResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>",
		b.String(), marker))
}

func (s *Server) rds(w http.ResponseWriter, rg *Region, form url.Values) {
	op := form.Get("Action")
	var list []Tagged
	var outer, member, idField string
	switch op {
	case "DescribeDBClusters":
		list, outer, member, idField = rg.DBClusters, "DBClusters", "DBCluster", "DBClusterIdentifier"
	case "DescribeDBInstances":
		list, outer, member, idField = rg.DBInstances, "DBInstances", "DBInstance", "DBInstanceIdentifier"
	default:
		s.fail(w, "rds", http.StatusBadRequest, "InvalidAction", "unsupported")
		return
	}
	p, next := s.page(form.Get("Marker"), len(list))
	var b strings.Builder
	for _, x := range list[p[0]:p[1]] {
		fmt.Fprintf(&b, "<%s><%s>%s</%s><TagList>", member, idField, x.ID, idField)
		for k, v := range x.Tags {
			fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", esc(k), esc(v))
		}
		fmt.Fprintf(&b, "</TagList></%s>", member)
	}
	marker := ""
	if next != "" {
		marker = "<Marker>" + next + "</Marker>"
	}
	writeXML(w, http.StatusOK, fmt.Sprintf("<%sResponse><%sResult><%s>%s</%s>%s</%sResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></%sResponse>",
		op, op, outer, b.String(), outer, marker, op, op))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeXML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// ImageDigest is the digest the server answers for an image: the sha256
// of "repository:tag".
func ImageDigest(repository, tag string) string {
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(repository+":"+tag)))
}

func (s *Server) ecr(w http.ResponseWriter, body []byte) {
	var in struct {
		RepositoryName string `json:"repositoryName"`
		ImageIds       []struct {
			ImageTag string `json:"imageTag"`
		} `json:"imageIds"`
	}
	_ = json.Unmarshal(body, &in)
	var details []map[string]any
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range in.ImageIds {
		if !s.Images[in.RepositoryName+":"+id.ImageTag] {
			s.fail(w, "ecr", http.StatusBadRequest, "ImageNotFoundException",
				fmt.Sprintf("The image with imageId {imageTag:'%s'} does not exist within the repository with name '%s'", id.ImageTag, in.RepositoryName))
			return
		}
		details = append(details, map[string]any{"repositoryName": in.RepositoryName, "imageTags": []string{id.ImageTag}, "imageDigest": ImageDigest(in.RepositoryName, id.ImageTag)})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	writeJSON(w, http.StatusOK, map[string]any{"imageDetails": details})
}

func (s *Server) nodegroup(w http.ResponseWriter, rg *Region, path string) {
	// /clusters/{cluster}/node-groups/{nodegroup}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 4 {
		http.NotFound(w, nil)
		return
	}
	cluster, ng := parts[1], parts[3]
	asg, ok := rg.NodeGroups[cluster+"/"+ng]
	if !ok {
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "No node group found for name: " + ng + "."})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"nodegroup": map[string]any{
		"nodegroupName": ng, "clusterName": cluster,
		"resources": map[string]any{"autoScalingGroups": []map[string]string{{"name": asg}}},
	}})
}

func (s *Server) scheduledActions(w http.ResponseWriter, rg *Region, form url.Values) {
	if form.Get("Action") != "DescribeScheduledActions" {
		s.fail(w, "autoscaling", http.StatusBadRequest, "InvalidAction", "unsupported")
		return
	}
	asg := form.Get("AutoScalingGroupName")
	acts := rg.ScheduledActions[asg]
	p, next := s.page(form.Get("NextToken"), len(acts))
	var b strings.Builder
	for _, a := range acts[p[0]:p[1]] {
		fmt.Fprintf(&b, "<member><AutoScalingGroupName>%s</AutoScalingGroupName><ScheduledActionName>%s</ScheduledActionName><StartTime>%s</StartTime><MinSize>%d</MinSize><DesiredCapacity>%d</DesiredCapacity></member>",
			esc(asg), esc(a.Name), a.StartTime.UTC().Format(time.RFC3339), a.MinSize, a.Desired)
	}
	tok := ""
	if next != "" {
		tok = "<NextToken>" + next + "</NextToken>"
	}
	writeXML(w, http.StatusOK, fmt.Sprintf("<DescribeScheduledActionsResponse><DescribeScheduledActionsResult><ScheduledUpdateGroupActions>%s</ScheduledUpdateGroupActions>%s</DescribeScheduledActionsResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeScheduledActionsResponse>",
		b.String(), tok))
}

func requested(r QuotaRequest) map[string]any {
	return map[string]any{"Id": r.ID, "ServiceCode": r.Service, "QuotaCode": r.Code, "DesiredValue": r.Desired, "Status": r.Status}
}

// Package preview runs the real Pulumi program under the SDK's mock monitor
// and reports what it registered: the resource tree, the network plan, the
// diagnostics and a `pulumi preview --json`-shaped file.
package preview

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/internal/mocks"
)

// Resource is one registration the program made.
type Resource struct {
	URN                  string
	Type                 string
	Name                 string
	Custom               bool
	Parent               string
	Provider             string            // provider reference "urn::id"
	Providers            map[string]string // a component's providers by package
	ID                   string
	Inputs               resource.PropertyMap
	Dependencies         []string
	PropertyDependencies map[string][]string
	Protect              bool
	RetainOnDelete       bool
	// Seq is the registration's place in the order they were made.
	Seq int
}

// Input returns the input at a dotted path ("scalingConfig.minSize"); a
// key may index a list ("rules[0].status").
func (r *Resource) Input(path string) (resource.PropertyValue, bool) {
	var keys []string
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		keys = append(keys, name)
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			keys = append(keys, "["+idx+"]")
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return r.InputAt(keys...)
}

// InputAt returns the input at a path of keys, for keys that contain dots;
// a key "[N]" indexes a list.
func (r *Resource) InputAt(keys ...string) (resource.PropertyValue, bool) {
	v := resource.NewObjectProperty(r.Inputs)
	for _, part := range keys {
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if idx, ok := strings.CutPrefix(part, "["); ok && v.IsArray() {
			i, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			if err != nil || i < 0 || i >= len(v.ArrayValue()) {
				return resource.PropertyValue{}, false
			}
			v = v.ArrayValue()[i]
			continue
		}
		if !v.IsObject() {
			return resource.PropertyValue{}, false
		}
		next, ok := v.ObjectValue()[resource.PropertyKey(part)]
		if !ok {
			return resource.PropertyValue{}, false
		}
		v = next
	}
	return v, true
}

// Recorder is the mock resource monitor of the offline preview.
type Recorder struct {
	Project, Stack string
	// AccountID is the account the mocks answer getCallerIdentity with.
	AccountID string
	// EmptySecrets answers reads of the operator-filled secrets as AWS does
	// before a value is put (see FirstRun).
	EmptySecrets bool
	// CallerArn is who the mocks say runs the update (getCallerIdentity):
	// the cluster creator, whom EKS gives an access entry of its own.
	CallerArn string
	// SecretLookupError, when set, is the error every lookup of those
	// secrets fails with (see FailSecretLookups).
	SecretLookupError string
	// ImageLookupErrors, by ECR repository name, are the errors the
	// lookups of that repository's images fail with (see FailImageLookups).
	ImageLookupErrors map[string]string

	mu        sync.Mutex
	resources []*Resource
	byURN     map[string]*Resource
	regions   map[string]string // provider reference → region
	// rejected are the registrations the engine would have refused.
	rejected []error
	// entries are the EKS access entries made so far (see awsidentity.go).
	entries map[string]string
}

// Rejected returns the engine errors the registrations met (see
// checkRegistration), in the order they were made.
func (r *Recorder) Rejected() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.rejected...)
}

// NewRecorder returns an empty recorder.
func NewRecorder(project, stack string) *Recorder {
	return &Recorder{Project: project, Stack: stack, AccountID: "123456789012",
		byURN: map[string]*Resource{}, regions: map[string]string{}, entries: map[string]string{}}
}

var _ pulumi.MockResourceMonitor = (*Recorder)(nil)

// RootURN is the URN of the stack resource.
func (r *Recorder) RootURN() string {
	return string(resource.NewURN(tokens.QName(r.Stack), tokens.PackageName(r.Project), "",
		resource.RootStackType, r.Project+"-"+r.Stack))
}

// NewResource records a registration and answers with plausible state.
func (r *Recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	res := &Resource{Type: args.TypeToken, Name: args.Name, Custom: args.Custom, Inputs: args.Inputs, Provider: args.Provider}
	parent := ""
	if rpc := args.RegisterRPC; rpc != nil {
		parent = rpc.GetParent()
		res.Dependencies = rpc.GetDependencies()
		res.Protect = rpc.GetProtect()
		res.RetainOnDelete = rpc.GetRetainOnDelete()
		res.Providers = rpc.GetProviders()
		if pd := rpc.GetPropertyDependencies(); len(pd) > 0 {
			res.PropertyDependencies = map[string][]string{}
			for k, v := range pd {
				if len(v.GetUrns()) > 0 {
					res.PropertyDependencies[k] = v.GetUrns()
				}
			}
		}
	}
	if parent == "" {
		parent = r.RootURN()
	}
	res.Parent = parent
	res.URN = r.newURN(parent, args.TypeToken, args.Name)

	r.mu.Lock()
	region := r.regions[args.Provider]
	if region == "" && args.RegisterRPC != nil {
		// Remote components (pulumi-eks) get their AWS provider in the map.
		region = r.regions[res.Providers["aws"]]
	}
	r.mu.Unlock()
	id, state := mocks.State(&mocks.Resource{URN: res.URN, Type: res.Type, Name: res.Name, Custom: res.Custom, Inputs: res.Inputs}, region, r.AccountID)
	if args.ID != "" {
		id = args.ID
	}
	res.ID = id
	if strings.HasPrefix(args.TypeToken, "pulumi:providers:") {
		r.mu.Lock()
		if reg, ok := args.Inputs["region"]; ok && reg.IsString() {
			r.regions[res.URN+"::"+id] = reg.StringValue()
		}
		r.mu.Unlock()
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if args.RegisterRPC != nil {
		err := r.checkRegistration(res, args.RegisterRPC)
		if err == nil {
			err = checkContracts(res)
		}
		if err == nil {
			err = checkName(res)
		}
		if err == nil {
			err = r.checkAccessEntries(res, state)
		}
		if err != nil {
			r.rejected = append(r.rejected, err)
			return "", nil, err
		}
	}
	res.Seq = len(r.resources) + 1
	r.resources = append(r.resources, res)
	r.byURN[res.URN] = res
	return id, state, nil
}

// Call answers provider functions (invokes).
func (r *Recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == "aws:ecr/getImage:getImage" {
		if msg, ok := r.ImageLookupErrors[args.Args["repositoryName"].StringValue()]; ok {
			return nil, errors.New(msg)
		}
	}
	return mocks.Call(args, r.AccountID, r.CallerArn, r.EmptySecrets, r.SecretLookupError)
}

// Resources returns the registrations in the order they were made.
func (r *Recorder) Resources() []*Resource {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Resource(nil), r.resources...)
}

// Lookup returns the resource with urn.
func (r *Recorder) Lookup(urn string) *Resource {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byURN[urn]
}

// newURN mirrors the engine: the qualified type chains the parent's type.
func (r *Recorder) newURN(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(r.Stack), tokens.PackageName(r.Project), parentType, tokens.Type(typ), name))
}

package readiness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"

	"github.com/platformeng/coder-platform/components/registry/imageref"
	"github.com/platformeng/coder-platform/internal/preflight"
)

// AWS reads the live node groups and registries with the caller's
// credentials; each region's clients are made from Config.
type AWS struct {
	Config aws.Config
}

func (a AWS) in(region string) aws.Config { return preflight.Regional(a.Config, region) }

// Action is a scheduled action of a node group's Auto Scaling group.
type Action struct {
	Name      string
	StartTime time.Time
	MinSize   int
	Desired   int
}

// ScheduledActions lists the scheduled actions of a managed node group's
// Auto Scaling groups (EKS DescribeNodegroup names them).
func (a AWS) ScheduledActions(ctx context.Context, region, cluster, nodegroup string) ([]Action, error) {
	cfg := a.in(region)
	ng, err := eks.NewFromConfig(cfg).DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{
		ClusterName: aws.String(cluster), NodegroupName: aws.String(nodegroup)})
	if err != nil {
		return nil, fmt.Errorf("eks:DescribeNodegroup %s/%s in %s: %w", cluster, nodegroup, region, err)
	}
	var asgs []string
	if ng.Nodegroup != nil && ng.Nodegroup.Resources != nil {
		for _, g := range ng.Nodegroup.Resources.AutoScalingGroups {
			asgs = append(asgs, aws.ToString(g.Name))
		}
	}
	if len(asgs) == 0 {
		return nil, fmt.Errorf("node group %s/%s in %s has no Auto Scaling group", cluster, nodegroup, region)
	}
	var out []Action
	p := autoscaling.NewDescribeScheduledActionsPaginator(autoscaling.NewFromConfig(cfg), &autoscaling.DescribeScheduledActionsInput{AutoScalingGroupName: aws.String(asgs[0])})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("autoscaling:DescribeScheduledActions %s in %s: %w", asgs[0], region, err)
		}
		for _, s := range page.ScheduledUpdateGroupActions {
			act := Action{Name: aws.ToString(s.ScheduledActionName), MinSize: int(aws.ToInt32(s.MinSize)), Desired: int(aws.ToInt32(s.DesiredCapacity))}
			if s.StartTime != nil {
				act.StartTime = *s.StartTime
			}
			out = append(out, act)
		}
	}
	return out, nil
}

// MissingImages returns the tags of repository (an ECR URI
// ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) that the registry does not hold.
func (a AWS) MissingImages(ctx context.Context, repository string, tags []string) ([]string, error) {
	var missing []string
	for _, tag := range tags {
		_, err := a.ImageDigest(ctx, repository, tag)
		var nf *ecrtypes.ImageNotFoundException
		switch {
		case errors.As(err, &nf):
			missing = append(missing, tag)
		case err != nil:
			return nil, err
		}
	}
	return missing, nil
}

// ImageDigest is the manifest digest of repository:tag in a private ECR
// registry (ecr:DescribeImages, imageDetails[].imageDigest); a missing tag
// is an *ecrtypes.ImageNotFoundException.
func (a AWS) ImageDigest(ctx context.Context, repository, tag string) (string, error) {
	host, name, ok := strings.Cut(repository, "/")
	account, region, isECR := imageref.ECRHost(host)
	if !ok || !isECR {
		return "", fmt.Errorf("%s is not an ECR repository URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME)", repository)
	}
	out, err := ecr.NewFromConfig(a.in(region)).DescribeImages(ctx, &ecr.DescribeImagesInput{
		RegistryId: aws.String(account), RepositoryName: aws.String(name),
		ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(tag)}},
	})
	if err != nil {
		return "", fmt.Errorf("ecr:DescribeImages %s:%s in %s: %w", name, tag, region, err)
	}
	if len(out.ImageDetails) == 0 || !imageref.DigestPattern.MatchString(aws.ToString(out.ImageDetails[0].ImageDigest)) {
		return "", fmt.Errorf("ecr:DescribeImages %s:%s in %s answered no sha256 digest", name, tag, region)
	}
	return aws.ToString(out.ImageDetails[0].ImageDigest), nil
}

package imageref

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var digest = "sha256:" + strings.Repeat("ab", 32)

func TestParseAndECR(t *testing.T) {
	cases := []struct{ in, ecr, origin string }{
		{"ghcr.io/coder/coder:v2.35.1", "111122223333.dkr.ecr.us-west-2.amazonaws.com/github/coder/coder:v2.35.1@" + digest, "ghcr.io/coder/coder"},
		{"public.ecr.aws/docker/library/postgres:16.6-alpine", "111122223333.dkr.ecr.us-west-2.amazonaws.com/ecr-public/docker/library/postgres:16.6-alpine@" + digest, "public.ecr.aws/docker/library/postgres"},
		// Docker Hub official images keep library/ under the cache prefix.
		{"nginx:1.27", "111122223333.dkr.ecr.us-west-2.amazonaws.com/docker-hub/library/nginx:1.27@" + digest, "docker.io/library/nginx"},
		{"registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0", "111122223333.dkr.ecr.us-west-2.amazonaws.com/k8s/autoscaling/cluster-autoscaler:v1.33.0@" + digest, "registry.k8s.io/autoscaling/cluster-autoscaler"},
		// A repository of the account's own registry is its replica.
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com/coder/workspace:al2023", "111122223333.dkr.ecr.us-west-2.amazonaws.com/coder/workspace:al2023@" + digest, "ecr/coder/workspace"},
	}
	for _, c := range cases {
		r, err := Parse(c.in)
		require.NoError(t, err, c.in)
		r.Digest = digest
		e, err := r.ECR("111122223333", "us-west-2")
		require.NoError(t, err)
		assert.Equal(t, c.ecr, e.String())
		back, err := Parse(e.String())
		require.NoError(t, err)
		assert.Equal(t, c.origin, back.Origin(), "the cached reference maps back to its upstream")
		assert.Equal(t, c.origin, r.Origin())
	}
}

func TestParseRefusals(t *testing.T) {
	for in, want := range map[string]string{
		"ghcr.io/coder/coder":            "has neither a tag nor a digest",
		"ghcr.io/coder/coder@sha256:abc": "is not sha256: and 64",
		"ghcr.io/Coder/coder:v1":         "is not a valid repository name",
		"ghcr.io/coder/coder:-bad":       "is not a valid tag",
	} {
		_, err := Parse(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
	r, err := Parse("gcr.io/x/y:v1")
	require.NoError(t, err)
	_, err = r.ECR("111122223333", "us-east-1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ECR has no pull-through cache rule for gcr.io")
}

func TestChartVersion(t *testing.T) {
	r, err := Parse("ghcr.io/coder/coder:v2.35.1@" + digest)
	require.NoError(t, err)
	assert.Equal(t, "v2.35.1@"+digest, r.Version())
	assert.Equal(t, "ghcr.io/coder/coder:v2.35.1", r.Pinned())
}

// NotPushed knows each form "no such repository or tag" reaches us in: the
// provider's ecr:getImage (whose not-found error drops ECR's code) and
// aws-sdk-go-v2's DescribeImages. Anything else is not an answer about the
// image.
func TestNotPushed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  string
		want bool
	}{
		{"invoking aws:ecr/getImage:getImage: 1 error occurred:\n\t* reading ECR Images: couldn't find resource", true},
		{"invoking aws:ecr/getImage:getImage: 1 error occurred:\n\t* reading ECR Images: couldn't find resource (21 retries)", true},
		{"operation error ECR: DescribeImages, https response error StatusCode: 400, RequestID: 1, RepositoryNotFoundException: no repo", true},
		{"operation error ECR: DescribeImages, https response error StatusCode: 400, RequestID: 1, ImageNotFoundException: no tag", true},
		{"operation error ECR: DescribeImages, https response error StatusCode: 400, RequestID: 2, api error AccessDeniedException: not authorized", false},
		{"reading ECR Images: operation error ECR: DescribeImages, exceeded maximum number of attempts, 3, https response error StatusCode: 400, ThrottlingException", false},
	} {
		assert.Equal(t, tc.want, NotPushed(errors.New(tc.err)), tc.err)
	}
	assert.False(t, NotPushed(nil))
}

package engine

import (
	"testing"

	"github.com/platformeng/coder-platform/internal/fakeaws"
	"github.com/platformeng/coder-platform/internal/mocks"
)

// FakeAccount is the local AWS account a real `up` of the program talks to
// itself (the quota pre-flight, the cache fill): room for everything, and a
// registry whose upstream tags are at the digests the stand-in provider's
// ecr:getImage answers (mocks.OfflineDigest), as the control plane's cache
// would hold them.
func FakeAccount(t testing.TB) *fakeaws.Server {
	fake := fakeaws.New(t)
	fake.Plenty = 100000
	fake.UpstreamDigest = mocks.OfflineDigest
	return fake
}

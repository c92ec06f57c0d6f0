package sizing

import (
	"fmt"
	"math"
)

const (
	// ACUMemBytes: one Aurora capacity unit is about 2 GiB of memory.
	ACUMemBytes = 2 * 1024 * 1024 * 1024
	// bytesPerConnection is Aurora PostgreSQL's max_connections divisor:
	// LEAST(DBInstanceClassMemory/9531392, 5000).
	bytesPerConnection = 9531392
	// auroraMaxConnections is the ceiling of that formula.
	auroraMaxConnections = 5000
	// lowFloorConnectionCap: with a minimum of 0 or 0.5 ACU and a maximum of
	// 16 or more, Aurora caps max_connections at 2,000.
	lowFloorConnectionCap = 2000
	// SuperuserReserved is rds.superuser_reserved_connections.
	SuperuserReserved = 3
	// OperatorConnections is headroom for migrations, psql sessions and the
	// postgres exporter.
	OperatorConnections = 10
	// MaxACU is the largest Serverless v2 capacity.
	MaxACU = 256.0
	// MinACU is the smallest non-pausing Serverless v2 capacity.
	MinACU = 0.5
)

// DatabaseInput is what the ACU arithmetic needs.
type DatabaseInput struct {
	Users          int
	CoderdReplicas int
	// PoolMaxOpen is CODER_PG_CONN_MAX_OPEN per coderd replica.
	PoolMaxOpen int
	// SurgeReplicas are extra coderd pods during a rolling update.
	SurgeReplicas int
	// ExtraConnections are other clients (for example the AI gateway).
	ExtraConnections int
}

// DatabaseSizing is the ACU range and the connection arithmetic.
type DatabaseSizing struct {
	MaxACU            float64
	MinACU            float64
	ConnectionsNeeded int
	GuidanceVCPU      int
	GuidanceMemGiB    int
	Basis             string
	ConnectionBasis   string
}

// Database recommends the Serverless v2 ACU range.
//
// Max follows Coder's database guidance for the user count (1 ACU ≈ 2 GiB,
// rounded up to a power of two); min is the smallest capacity whose memory
// still sustains every connection the coderd pools may open.
func Database(in DatabaseInput) DatabaseSizing {
	var vcpu, mem int
	var basis string
	if t, ok := tierFor(in.Users); ok {
		vcpu, mem = t.dbVCPU, t.dbMemGiB
		basis = fmt.Sprintf("Coder validated architecture for %d users: DB %d vCPU / %d GB", t.users, vcpu, mem)
	} else {
		// Below 1,000 users: 2 vCPU × 8 GB baseline [CVA].
		vcpu, mem = 2, 8
		basis = fmt.Sprintf("Coder baseline for <1,000 users: DB %d vCPU / %d GB", vcpu, mem)
	}
	maxACU := math.Min(roundUpPow2(float64(mem)/2), MaxACU)
	basis += fmt.Sprintf(" → %d GB / 2 GiB per ACU = %.0f ACU, rounded up to %.0f", mem, float64(mem)/2, maxACU)

	need := ConnectionsNeeded(in)
	minACU := MinACUFor(need)
	cbasis := fmt.Sprintf("(%d coderd + %d surge) × CODER_PG_CONN_MAX_OPEN %d + %d other + %d operator + %d reserved = %d connections; %.1f ACU sustains %d",
		in.CoderdReplicas, in.SurgeReplicas, in.PoolMaxOpen, in.ExtraConnections, OperatorConnections, SuperuserReserved,
		need, minACU, MaxConnections(minACU, maxACU))
	return DatabaseSizing{MaxACU: maxACU, MinACU: minACU, ConnectionsNeeded: need,
		GuidanceVCPU: vcpu, GuidanceMemGiB: mem, Basis: basis, ConnectionBasis: cbasis}
}

// ConnectionsNeeded is the peak number of Postgres connections.
func ConnectionsNeeded(in DatabaseInput) int {
	return (in.CoderdReplicas+in.SurgeReplicas)*in.PoolMaxOpen + in.ExtraConnections + OperatorConnections + SuperuserReserved
}

// MaxConnections is the number of connections the memory of acu capacity
// sustains, with the 2,000 cap that applies to low floors.
func MaxConnections(acu, maxACU float64) int {
	n := int(math.Floor(acu * ACUMemBytes / bytesPerConnection))
	n = min(n, auroraMaxConnections)
	if acu <= 0.5 && maxACU >= 16 {
		n = min(n, lowFloorConnectionCap)
	}
	return n
}

// MinACUFor is the smallest half-step ACU whose memory sustains need
// connections.
func MinACUFor(need int) float64 {
	acu := math.Ceil(float64(need)*bytesPerConnection/ACUMemBytes*2) / 2
	return math.Max(acu, MinACU)
}

func roundUpPow2(x float64) float64 {
	p := 1.0
	for p < x {
		p *= 2
	}
	return p
}

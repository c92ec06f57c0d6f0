package cost

// The usage the preview cannot know. Each figure is stated in the basis of
// every line that uses it, so a reader can disagree with it line by line.
const (
	// HoursPerMonth is AWS's own monthly convention (8,760 h ÷ 12).
	HoursPerMonth = 730.0
	// weeksPerMonth turns a weekly schedule into a month.
	weeksPerMonth = HoursPerMonth / (7 * 24)

	// spotFactor is the spot price as a share of on-demand. Spot prices
	// change hourly and are not in the Price List API.
	spotFactor = 0.40
	// spotShare is the share of workspace nodes the spot pool supplies;
	// the on-demand pool takes the rest (the autoscaler's fallback).
	spotShare = 0.90
	// eventsPerMonth is how many event windows an event stack runs a month.
	eventsPerMonth = 1

	// natGBPerUser is traffic through NAT per user a month (Git, package
	// registries, AI providers; S3 and AWS APIs go through endpoints).
	natGBPerUser = 2.0
	// endpointGB is data processed per interface endpoint a month.
	endpointGB = 10.0
	// tgwGBPerUser is traffic over the transit gateway per user a month.
	tgwGBPerUser = 0.5
	// usersPerNLCU: a TLS NLCU covers 3,000 active flows; each user holds
	// about three (browser or IDE, agent, DERP).
	usersPerNLCU = 1000.0
	// interRegionGBPerUser is a proxy region's traffic with the control
	// plane per user a month, each way (auth, coordination, DERP meshing).
	interRegionGBPerUser = 1.0

	// auroraAverageFraction places the average ACU between the declared
	// minimum and maximum: min + fraction × (max − min).
	auroraAverageFraction = 0.25
	// auroraGBPerUser is database size per user (users, workspaces,
	// builds, audit log), at least auroraMinGB.
	auroraGBPerUser = 0.02
	auroraMinGB     = 10.0
	// auroraIOPerUserSecond is Aurora Standard I/O per user, averaged.
	auroraIOPerUserSecond = 0.05
	// dailyChange is the share of the database that changes a day, what
	// incremental snapshots and their copies hold.
	dailyChange = 0.02
	// homeUsedFraction is the share of a home volume holding data, what its
	// first snapshot copies (EBS snapshots store written blocks only); root
	// volumes of EC2 workspaces snapshot incrementally to their AMI and are
	// not counted.
	homeUsedFraction = 0.3

	// ampSeriesBase and ampSeriesPerUser are the active series scraped
	// (coderd, provisioners, the autoscaler), every 30 s.
	ampSeriesBase    = 5000.0
	ampSeriesPerUser = 20.0
	ampScrapesPerH   = 120.0
	// ampBytesPerSample is stored size per sample; AMP keeps 150 days.
	ampBytesPerSample = 1.5
	ampRetentionDays  = 150.0
	// ampQuerySamples is query samples processed a month per rule
	// namespace (alert rules evaluated every minute).
	ampQuerySamples = 1e9

	// route53Queries are standard queries a month; alias queries to the
	// load balancer are free.
	route53Queries = 100000.0

	// s3LogGBPerMonth is what a log bucket receives a month, kept a year.
	s3LogGBPerMonth = 2.0
	s3LogMonths     = 12.0

	// lambdaInvocations a month (every 6 h, plus rotations) at 10 s each.
	lambdaInvocations = 150.0
	lambdaSeconds     = 10.0
)

// logAssumption is the assumed ingestion of a kind of log group.
type logAssumption struct {
	match         string // substring of the log group name
	base, perUser float64
	what          string
}

// logAssumptions are checked in order; the last matches everything.
var logAssumptions = []logAssumption{
	{"/containers", 5, 0.2, "container logs of every node (Fluent Bit)"},
	{"/audit", 1, 0.01, "Coder's audit log"},
	{"/aws/eks/", 10, 0.02, "EKS control-plane logs, all five types"},
	{"flow-logs", 5, 0.1, "VPC flow logs, ALL traffic"},
	{"/aws/rds/", 1, 0.001, "PostgreSQL logs"},
	{"/aws/containerinsights/", 2, 0.05, "Container Insights performance events"},
	{"/aws/lambda/", 0.05, 0, "a scheduled function's logs"},
	{"", 1, 0, "other logs"},
}

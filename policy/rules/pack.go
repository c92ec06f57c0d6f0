package rules

// PackName and PackVersion identify the policy pack.
const (
	PackName    = "coder-platform"
	PackVersion = "0.1.0"
)

// Pack is every policy of the pack, in the order they are reported.
func Pack() []*Policy {
	return []*Policy{
		// TLS in transit.
		lbTLSListener, acmDNSValidation, rdsForceSSL, rdsClusterTLSParameterGroup,
		coderHTTPSURLs, k8sNoPlaintextExposure, s3TLSOnly,
		// Encryption at rest.
		rdsEncrypted, ebsEncrypted, s3SSEKMS, eksSecretsEncryption, logGroupEncrypted,
		snsTopicEncrypted, secretEncrypted, pullThroughCredentialKey, backupVaultEncrypted, kmsKeyRotation, kmsContextConditions,
		// Baseline.
		sgNoWorldIngress, sgWorldHTTPSOnlyOnLoadBalancer, imdsv2Required, eksPrivateEndpoint,
		eksControlPlaneLogs, vpcFlowLogs, logRetention, dataStoreProtection, backupCrossRegion, workspaceVolumesBackedUp,
		secretsRotation, iamNoWildcard, irsaTrustScoped, githubTrustScoped, requiredTags,
		// Cost controls.
		budgetAlerts,
		// Security monitoring.
		s3PublicAccessBlock, guarddutyEnabled, guarddutyFindingsDelivered, configRecorderOn,
		// Coder.
		coderProvisionerDaemonsZero, coderProvisionerKeyAuth, coderVersionConsistency,
		// Images.
		imageDigestConsistency,
		// Identity.
		coderTokenLifetimes, coderAccessHardening, coderOwners,
		// Template contract.
		templatePairing, templateOverrideBounds, templateProvenance, templateSemver,
		templateAutostop, templateSizes, templateIsolation, templateGroupAccess,
		templateSupplyChain, templateAcceptedRisks,
	}
}

// Lookup returns the policy with the given name, or nil.
func Lookup(name string) *Policy {
	for _, p := range Pack() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

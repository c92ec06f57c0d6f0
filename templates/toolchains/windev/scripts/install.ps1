# Installs the .NET 8 SDK, Visual Studio 2022 Community, Git, the Azure CLI
# and PowerShell 7 with winget; each install is skipped when present.
$ErrorActionPreference = "Stop"
$packages = @(
  "Microsoft.DotNet.SDK.8",
  "Git.Git",
  "Microsoft.AzureCLI",
  "Microsoft.PowerShell"
)
foreach ($id in $packages) {
  $installed = winget list --id $id --exact --accept-source-agreements 2>$null | Select-String $id
  if (-not $installed) {
    winget install --id $id --exact --silent --accept-package-agreements --accept-source-agreements
  }
}
$vswhere = "${env:ProgramFiles(x86)}\Microsoft Visual Studio\Installer\vswhere.exe"
if (-not (Test-Path $vswhere) -or -not (& $vswhere -version "[17.0,18.0)" -property installationPath)) {
  winget install --id Microsoft.VisualStudio.2022.Community --exact --silent --accept-package-agreements --accept-source-agreements `
    --override "--quiet --wait --norestart --add Microsoft.VisualStudio.Workload.ManagedDesktop --add Microsoft.VisualStudio.Workload.NetWeb --includeRecommended"
}

# base-ec2-windows: the infrastructure of a Windows EC2 workspace. A module
# that implements the template contract (docs/templates.md).
terraform {
  required_providers {
    coder  = { source = "coder/coder", version = ">= 2.5.0" }
    aws    = { source = "hashicorp/aws", version = ">= 5.80.0" }
    random = { source = "hashicorp/random", version = ">= 3.6.0" }
  }
}

variable "workspace_name" { type = string }
variable "owner" {
  type = object({ id = string, name = string, email = string })
}
variable "compute_profile" {
  type = object({ name = string, cpu = number, memory_gib = number, disk_gib = number, gpu = number, instance_type = string })
}
variable "image_id" { type = string }
variable "settings" {
  type = object({ default_image = string, remote_desktop = string, instance_families = list(string), root_volume_gib = number })
}
variable "region" { type = string }
variable "subnet_ids" { type = list(string) }
variable "security_group_id" { type = string }
variable "instance_profile" { type = string }
variable "kms_key_arn" { type = string }

data "coder_workspace" "me" {}

locals {
  ami_parameters = {
    "windows-2022" = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"
  }
  subnet_id = var.subnet_ids[parseint(substr(md5(data.coder_workspace.me.id), 0, 4), 16) % length(var.subnet_ids)]
  # The tag the stack's AWS Backup plan selects workspace volumes by
  # (components/workloads BackupTag).
  backup_tags = { "coder:backup" = "home" }
  tags = {
    Name              = "coder-${var.owner.name}-${var.workspace_name}"
    Coder_Provisioned = "true"
    "coder:owner"     = var.owner.email
    "coder:workspace" = data.coder_workspace.me.id
  }
  web_rdp  = var.settings.remote_desktop == "web-rdp"
  dcv_port = 8443
}

data "aws_ssm_parameter" "ami" {
  name = local.ami_parameters[var.image_id]
}

data "aws_subnet" "chosen" {
  id = local.subnet_id
}

resource "coder_agent" "main" {
  os   = "windows"
  arch = "amd64"
  auth = "aws-instance-identity"
  dir  = "D:\\coder"

  metadata {
    display_name = "CPU"
    key          = "cpu"
    script       = "coder stat cpu"
    interval     = 10
    timeout      = 2
  }
  metadata {
    display_name = "Memory"
    key          = "memory"
    script       = "coder stat mem"
    interval     = 10
    timeout      = 2
  }
}

resource "aws_ebs_volume" "home" {
  availability_zone = data.aws_subnet.chosen.availability_zone
  type              = "gp3"
  size              = var.compute_profile.disk_gib
  encrypted         = true
  kms_key_id        = var.kms_key_arn
  tags              = merge(local.tags, local.backup_tags, { Name = "coder-${var.owner.name}-${var.workspace_name}-data" })
}

resource "aws_instance" "workspace" {
  ami                         = data.aws_ssm_parameter.ami.value
  instance_type               = var.compute_profile.instance_type
  subnet_id                   = local.subnet_id
  vpc_security_group_ids      = [var.security_group_id]
  associate_public_ip_address = false
  iam_instance_profile        = var.instance_profile
  get_password_data           = false
  user_data = templatefile("${path.module}/userdata.ps1.tftpl", {
    init_script    = coder_agent.main.init_script
    home_volume_id = aws_ebs_volume.home.id
  })
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  root_block_device {
    volume_type = "gp3"
    volume_size = var.settings.root_volume_gib
    encrypted   = true
    kms_key_id  = var.kms_key_arn
    # Backed up daily by the stack's AWS Backup plan (docs/disaster-recovery.md).
    tags = merge(local.tags, local.backup_tags)
  }
  tags = local.tags
  lifecycle {
    ignore_changes = [ami, user_data]
  }
}

resource "aws_volume_attachment" "home" {
  device_name                    = "xvdf"
  volume_id                      = aws_ebs_volume.home.id
  instance_id                    = aws_instance.workspace.id
  stop_instance_before_detaching = true
}

resource "aws_ec2_instance_state" "workspace" {
  instance_id = aws_instance.workspace.id
  state       = data.coder_workspace.me.transition == "start" ? "running" : "stopped"
  depends_on  = [aws_volume_attachment.home]
}

# Web RDP: Devolutions Gateway in the workspace, reached through Coder.
resource "random_password" "rdp" {
  count            = local.web_rdp ? 1 : 0
  length           = 24
  special          = true
  override_special = "!#%*-_"
}

module "windows_rdp" {
  count          = local.web_rdp ? data.coder_workspace.me.start_count : 0
  source         = "registry.coder.com/coder/windows-rdp/coder"
  version        = "1.2.2"
  agent_id       = coder_agent.main.id
  resource_id    = aws_instance.workspace.id
  admin_password = random_password.rdp[0].result
}

# NICE DCV: free on EC2; the server reads its license from the regional
# dcv-license bucket with the instance role.
resource "coder_script" "dcv" {
  count        = local.web_rdp ? 0 : 1
  agent_id     = coder_agent.main.id
  display_name = "NICE DCV"
  icon         = "/icon/desktop.svg"
  run_on_start = true
  script       = <<-EOT
    $ErrorActionPreference = "Stop"
    if (-not (Get-Service dcvserver -ErrorAction SilentlyContinue)) {
      Invoke-WebRequest -Uri "https://d1uj6qtbmh3dt5.cloudfront.net/2025.0/Servers/nice-dcv-server-x64-Release-2025.0-20103.msi" -OutFile "$env:TEMP\dcv.msi"
      # Amazon signs the installer; refuse anything else.
      $sig = Get-AuthenticodeSignature "$env:TEMP\dcv.msi"
      if ($sig.Status -ne "Valid" -or $sig.SignerCertificate.Subject -notmatch "O=Amazon") { throw "dcv.msi is not signed by Amazon: $($sig.Status)" }
      Start-Process msiexec.exe -Wait -ArgumentList "/i $env:TEMP\dcv.msi ADDLOCAL=ALL /quiet /norestart AUTOMATIC_SESSION_OWNER=Administrator"
    }
    Set-ItemProperty -Path "HKLM:\SOFTWARE\GSettings\com\nicesoftware\dcv\connectivity" -Name "web-port" -Value ${local.dcv_port} -Type DWord -ErrorAction SilentlyContinue
    Start-Service dcvserver
  EOT
}

resource "coder_app" "dcv" {
  count        = local.web_rdp ? 0 : 1
  agent_id     = coder_agent.main.id
  slug         = "desktop"
  display_name = "Desktop (NICE DCV)"
  icon         = "/icon/desktop.svg"
  url          = "https://localhost:${local.dcv_port}"
  subdomain    = true
  share        = "owner"
  healthcheck {
    url       = "https://localhost:${local.dcv_port}"
    interval  = 10
    threshold = 30
  }
}

output "agent_endpoint" {
  value = { agent_id = coder_agent.main.id, os = "windows", arch = "amd64", auth = "aws-instance-identity" }
}
output "env_vars" {
  value = { CODER_HOME = "D:\\coder", AWS_REGION = var.region }
}
output "volume_mounts" {
  value = [{ path = "D:\\", persistent = true }]
}
output "metadata" {
  value = {
    resource_id = aws_instance.workspace.id
    items = {
      platform       = "ec2"
      region         = var.region
      instance_type  = var.compute_profile.instance_type
      image          = var.image_id
      remote_desktop = var.settings.remote_desktop
      data_volume    = "${var.compute_profile.disk_gib} GiB gp3 (KMS) as D:\\"
    }
  }
}

# base-ec2-linux: the infrastructure of a Linux EC2 workspace. A module that
# implements the template contract (docs/templates.md).
terraform {
  required_providers {
    coder = { source = "coder/coder", version = ">= 2.5.0" }
    aws   = { source = "hashicorp/aws", version = ">= 5.80.0" }
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
  type = object({ default_image = string, gui_enabled = bool, instance_families = list(string), root_volume_gib = number })
}
variable "region" { type = string }
variable "subnet_ids" { type = list(string) }
variable "security_group_id" { type = string }
variable "instance_profile" { type = string }
variable "kms_key_arn" { type = string }

data "coder_workspace" "me" {}

locals {
  # Vendor AMIs from public SSM parameters: always the patched release, and
  # the only owners CoderProvRole may launch from.
  ami_parameters = {
    "al2023"      = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    "ubuntu-2204" = "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id"
    "ubuntu-2404" = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
  }
  sudo_group = startswith(var.image_id, "ubuntu") ? "sudo" : "wheel"
  # Spread workspaces over the subnets (and so the zones) by workspace id.
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
  kasmvnc_port = 6800
}

data "aws_ssm_parameter" "ami" {
  name = local.ami_parameters[var.image_id]
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
  auth = "aws-instance-identity"
  dir  = "/home/coder"

  metadata {
    display_name = "CPU"
    key          = "cpu"
    script       = "coder stat cpu"
    interval     = 10
    timeout      = 1
  }
  metadata {
    display_name = "Memory"
    key          = "memory"
    script       = "coder stat mem"
    interval     = 10
    timeout      = 1
  }
  metadata {
    display_name = "Home disk"
    key          = "home"
    script       = "coder stat disk --path /home/coder"
    interval     = 60
    timeout      = 1
  }
}

resource "aws_instance" "workspace" {
  ami                         = data.aws_ssm_parameter.ami.value
  instance_type               = var.compute_profile.instance_type
  subnet_id                   = local.subnet_id
  vpc_security_group_ids      = [var.security_group_id]
  associate_public_ip_address = false
  iam_instance_profile        = var.instance_profile
  user_data = templatefile("${path.module}/cloud-init.yaml.tftpl", {
    init_script    = coder_agent.main.init_script
    sudo_group     = local.sudo_group
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
    # A new AMI applies to new workspaces; existing ones keep their root.
    ignore_changes = [ami, user_data]
  }
}

# The home volume lives in the instance's zone and outlives every stop.
resource "aws_ebs_volume" "home" {
  availability_zone = data.aws_subnet.chosen.availability_zone
  type              = "gp3"
  size              = var.compute_profile.disk_gib
  encrypted         = true
  kms_key_id        = var.kms_key_arn
  tags              = merge(local.tags, local.backup_tags, { Name = "coder-${var.owner.name}-${var.workspace_name}-home" })
}

data "aws_subnet" "chosen" {
  id = local.subnet_id
}

resource "aws_volume_attachment" "home" {
  device_name                    = "/dev/sdf"
  volume_id                      = aws_ebs_volume.home.id
  instance_id                    = aws_instance.workspace.id
  stop_instance_before_detaching = true
}

resource "aws_ec2_instance_state" "workspace" {
  instance_id = aws_instance.workspace.id
  state       = data.coder_workspace.me.transition == "start" ? "running" : "stopped"
  depends_on  = [aws_volume_attachment.home]
}

resource "coder_script" "kasmvnc" {
  count        = var.settings.gui_enabled ? 1 : 0
  agent_id     = coder_agent.main.id
  display_name = "KasmVNC"
  icon         = "/icon/kasmvnc.svg"
  run_on_start = true
  script       = <<-EOT
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v kasmvncserver >/dev/null; then
      . /etc/os-release
      v=1.3.4
      if command -v apt-get >/dev/null; then
        curl -fsSL -o /tmp/kasmvnc.deb "https://github.com/kasmtech/KasmVNC/releases/download/v$${v}/kasmvncserver_$${VERSION_CODENAME}_$${v}_amd64.deb"
        sudo apt-get install -y /tmp/kasmvnc.deb xfce4 xfce4-goodies
      else
        curl -fsSL -o /tmp/kasmvnc.rpm "https://github.com/kasmtech/KasmVNC/releases/download/v$${v}/kasmvncserver_fedora_fortyone_$${v}_x86_64.rpm"
        sudo dnf install -y /tmp/kasmvnc.rpm
      fi
      sudo usermod -a -G kasmvnc-cert coder || true
    fi
    kasmvncserver -kill :1 >/dev/null 2>&1 || true
    kasmvncserver :1 -select-de xfce -websocketPort ${local.kasmvnc_port} -disableBasicAuth -interface 127.0.0.1
  EOT
}

resource "coder_app" "kasmvnc" {
  count        = var.settings.gui_enabled ? 1 : 0
  agent_id     = coder_agent.main.id
  slug         = "desktop"
  display_name = "Desktop (KasmVNC)"
  icon         = "/icon/kasmvnc.svg"
  url          = "http://localhost:${local.kasmvnc_port}"
  subdomain    = true
  share        = "owner"
  healthcheck {
    url       = "http://localhost:${local.kasmvnc_port}/app"
    interval  = 5
    threshold = 24
  }
}

output "agent_endpoint" {
  value = { agent_id = coder_agent.main.id, os = "linux", arch = "amd64", auth = "aws-instance-identity" }
}
output "env_vars" {
  value = { HOME = "/home/coder", XDG_CACHE_HOME = "/home/coder/.cache", AWS_REGION = var.region }
}
output "volume_mounts" {
  value = [{ path = "/home/coder", persistent = true }]
}
output "metadata" {
  value = {
    resource_id = aws_instance.workspace.id
    items = {
      platform      = "ec2"
      region        = var.region
      instance_type = var.compute_profile.instance_type
      image         = var.image_id
      home          = "${var.compute_profile.disk_gib} GiB gp3 (KMS)"
    }
  }
}

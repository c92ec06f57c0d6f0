# base-k8s: the infrastructure of a Kubernetes pod workspace. A module that
# implements the template contract (docs/templates.md): it takes
# workspace_name, owner, compute_profile and image_id, and returns
# agent_endpoint, env_vars, volume_mounts and metadata.
terraform {
  required_providers {
    coder      = { source = "coder/coder", version = ">= 2.5.0" }
    kubernetes = { source = "hashicorp/kubernetes", version = ">= 2.31.0" }
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
  type = object({ default_image = string, gui_enabled = bool, cpu_request_percent = number })
}
variable "namespace" { type = string }
variable "service_account" { type = string }
variable "storage_class" { type = string }
variable "node_tier" { type = string }
# The region's image list, which the platform writes into this cluster:
# image id -> reference in the region's own ECR registry, by digest
# (docs/images.md). One delivered template serves every region, and each
# region's provisioner reads its own cluster's list.
variable "images_config_map" { type = string }

data "coder_workspace" "me" {}

data "kubernetes_config_map_v1" "images" {
  metadata {
    name      = var.images_config_map
    namespace = var.namespace
  }
}

locals {
  name = lower("coder-${var.owner.name}-${var.workspace_name}")
  labels = {
    "app.kubernetes.io/name"     = "coder-workspace"
    "app.kubernetes.io/instance" = local.name
    "com.coder.workspace.id"     = data.coder_workspace.me.id
    "com.coder.user.id"          = var.owner.id
  }
  kasmvnc_port = 6800
  image        = lookup(data.kubernetes_config_map_v1.images.data, var.image_id, "")
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
  auth = "token"
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

resource "kubernetes_persistent_volume_claim" "home" {
  metadata {
    name      = "${local.name}-home"
    namespace = var.namespace
    labels    = local.labels
  }
  wait_until_bound = false
  spec {
    access_modes       = ["ReadWriteOnce"]
    storage_class_name = var.storage_class
    resources {
      requests = { storage = "${var.compute_profile.disk_gib}Gi" }
    }
  }
  lifecycle {
    # The PVC outlives stops: only deleting the workspace removes it.
    ignore_changes = [metadata[0].labels]
  }
}

# Workspaces reach the internet over HTTPS and SSH only; nothing reaches
# them (the agent dials out to coderd), and no pod reaches another.
resource "kubernetes_network_policy" "isolation" {
  metadata {
    name      = local.name
    namespace = var.namespace
  }
  spec {
    pod_selector {
      match_labels = { "app.kubernetes.io/instance" = local.name }
    }
    policy_types = ["Ingress", "Egress"]
    egress {
      to {
        namespace_selector {
          match_labels = { "kubernetes.io/metadata.name" = "kube-system" }
        }
      }
      ports {
        port     = "53"
        protocol = "UDP"
      }
      ports {
        port     = "53"
        protocol = "TCP"
      }
    }
    egress {
      to {
        ip_block {
          cidr   = "0.0.0.0/0"
          except = ["169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        }
      }
      ports {
        port     = "443"
        protocol = "TCP"
      }
      ports {
        port     = "22"
        protocol = "TCP"
      }
    }
  }
}

resource "kubernetes_deployment" "workspace" {
  count            = data.coder_workspace.me.start_count
  wait_for_rollout = false
  lifecycle {
    precondition {
      condition     = local.image != ""
      error_message = "Image ${var.image_id} is not in ConfigMap ${var.namespace}/${var.images_config_map} of this region: run pulumi up for the stack (docs/images.md)."
    }
  }
  metadata {
    name      = local.name
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    replicas = 1
    strategy { type = "Recreate" }
    selector {
      match_labels = { "app.kubernetes.io/instance" = local.name }
    }
    template {
      metadata { labels = local.labels }
      spec {
        service_account_name            = var.service_account
        automount_service_account_token = true
        node_selector                   = { (var.node_tier) = "true" }
        toleration {
          key      = var.node_tier
          operator = "Equal"
          value    = "true"
          effect   = "NoSchedule"
        }
        security_context {
          run_as_user     = 1000
          fs_group        = 1000
          run_as_non_root = true
          seccomp_profile { type = "RuntimeDefault" }
        }
        container {
          name              = "dev"
          image             = local.image
          image_pull_policy = "IfNotPresent"
          command           = ["sh", "-c", coder_agent.main.init_script]
          env {
            name  = "CODER_AGENT_TOKEN"
            value = coder_agent.main.token
          }
          resources {
            requests = {
              cpu    = "${var.compute_profile.cpu * var.settings.cpu_request_percent * 10}m"
              memory = "${var.compute_profile.memory_gib}Gi"
            }
            limits = {
              cpu    = "${var.compute_profile.cpu}"
              memory = "${var.compute_profile.memory_gib}Gi"
            }
          }
          security_context {
            allow_privilege_escalation = false
            capabilities { drop = ["ALL"] }
          }
          volume_mount {
            name       = "home"
            mount_path = "/home/coder"
          }
        }
        dynamic "container" {
          for_each = var.settings.gui_enabled ? [1] : []
          content {
            name  = "kasmvnc"
            image = "${var.image_repository}:kasmvnc"
            args  = ["kasmvncserver", ":1", "-fg", "-websocketPort", tostring(local.kasmvnc_port), "-disableBasicAuth", "-interface", "127.0.0.1"]
            resources {
              requests = { cpu = "250m", memory = "512Mi" }
              limits   = { cpu = "1", memory = "2Gi" }
            }
            security_context {
              allow_privilege_escalation = false
              capabilities { drop = ["ALL"] }
            }
            volume_mount {
              name       = "home"
              mount_path = "/home/coder"
            }
          }
        }
        volume {
          name = "home"
          persistent_volume_claim {
            claim_name = kubernetes_persistent_volume_claim.home.metadata[0].name
          }
        }
      }
    }
  }
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
    threshold = 12
  }
}

output "agent_endpoint" {
  value = { agent_id = coder_agent.main.id, os = "linux", arch = "amd64", auth = "token" }
}
output "env_vars" {
  value = { HOME = "/home/coder", XDG_CACHE_HOME = "/home/coder/.cache" }
}
output "volume_mounts" {
  value = [{ path = "/home/coder", persistent = true }]
}
output "metadata" {
  value = {
    resource_id = kubernetes_persistent_volume_claim.home.id
    items = {
      platform = "kubernetes"
      image    = local.image
      size     = "${var.compute_profile.cpu} vCPU, ${var.compute_profile.memory_gib} GiB"
      home     = "${var.compute_profile.disk_gib} GiB PVC (${var.storage_class})"
    }
  }
}

# Stand-ins for the EKS cluster of ../eks, for the tests that drive a real
# OpenTofu: terraform_data is built in, so init downloads no provider and
# plan, apply and show need no network. The tests put ../eks/constants.tf
# (the seed's) beside this file. Each resource's input holds what the real
# resource would, from its locals: the cluster's version, and each node
# group's version and scaling.
#
# As in the seed's modules/eks/node_group.tf, a node group's version is
# `version = each.value.kubernetes_version`: an attribute named
# kubernetes_version here would be one the bumper finds and cannot follow
# (each.value is no local), and BumpDir would refuse the module.
terraform {
  required_version = ">= 1.4" # terraform_data
}

resource "terraform_data" "cluster" {
  input = {
    name    = local.common_config.cluster_name
    version = local.common_config.cluster_version
  }
}

resource "terraform_data" "node_group" {
  for_each = local.eks_config.managed_node_group_config

  input = {
    cluster_name    = local.common_config.cluster_name
    node_group_name = "${each.key}-nodegroup"
    version         = each.value.kubernetes_version
    ami_type        = each.value.ami_type
    instance_types  = each.value.instance_types
    disk_size       = each.value.disk_size
    desired_size    = each.value.scaling_config.desired_size
    max_size        = each.value.scaling_config.max_size
    min_size        = each.value.scaling_config.min_size
    labels = {
      "vantiq.com/workload-preference" = each.value.node_workload_label
    }
  }
}

resource "terraform_data" "bastion" {
  input = {
    enabled         = local.common_config.bastion_enabled
    instance_type   = local.common_config.bastion_instance_type
    kubectl_version = local.common_config.bastion_kubectl_version
  }
}

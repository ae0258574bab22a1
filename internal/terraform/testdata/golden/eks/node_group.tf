###
### Maneged Node Group
###
resource "aws_eks_node_group" "vantiq-nodegroup" {
  for_each        = var.managed_node_group_config
  cluster_name    = aws_eks_cluster.vantiq-eks.name
  node_group_name = "${each.key}-nodegroup"
  node_role_arn   = aws_iam_role.eks-worker-node-role.arn

  ami_type       = each.value.ami_type
  version         = each.value.kubernetes_version
  release_version = nonsensitive(data.aws_ssm_parameter.eks_ami_release_version[each.key].value)
  instance_types = each.value.instance_types
  disk_size      = each.value.disk_size
  subnet_ids     = var.private_subnet_ids

  remote_access {
    ec2_ssh_key               = aws_key_pair.worker.key_name
    source_security_group_ids = var.sg_ids_allowed_ssh_to_worker
  }

  scaling_config {
    desired_size = each.value.scaling_config.desired_size
    max_size     = each.value.scaling_config.max_size
    min_size     = each.value.scaling_config.min_size
  }

  labels = {
    "vantiq.com/workload-preference" = each.value.node_workload_label
  }

  depends_on = [
    aws_iam_role_policy_attachment.eks-worker-node,
    aws_iam_role_policy_attachment.ecr-ro,
    aws_iam_role_policy_attachment.eks-cni
  ]
  lifecycle {
    ignore_changes = [release_version]
  }
}

data "aws_ssm_parameter" "eks_ami_release_version" {
  for_each = var.managed_node_group_config
  name     = "/aws/service/eks/optimized-ami/${each.value.kubernetes_version}/amazon-linux-2/recommended/release_version"
}

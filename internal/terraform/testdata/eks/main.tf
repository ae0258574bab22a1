provider "aws" {
  region = local.common_config.region
}

module "eks" {
  source                    = "./modules/eks"
  cluster_name              = local.common_config.cluster_name
  cluster_version           = local.common_config.cluster_version
  env_name                  = local.common_config.env_name
  managed_node_group_config = local.eks_config.managed_node_group_config
  private_subnet_ids        = module.vpc.private_subnet_ids
}

module "bastion" {
  source                  = "./modules/bastion"
  enabled                 = local.common_config.bastion_enabled
  instance_type           = local.common_config.bastion_instance_type
  bastion_kubectl_version = local.common_config.bastion_kubectl_version
  cluster_name            = local.common_config.cluster_name
}

terraform {
  required_version = ">= 1.0"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.40"
    }
  }
  backend "azurerm" {
    resource_group_name  = "rg-vantiq-prod-tfstate"
    storage_account_name = "stvantiqprodtfstate"
    container_name       = "tfstate"
    key                  = "aks.terraform.tfstate"
  }
}

provider "azurerm" {
  features {}
}

module "aks" {
  source               = "./modules/aks"
  cluster_name         = "aks-${local.common_config.vantiq_cluster_name}-${local.common_config.env_name}"
  location             = local.common_config.location
  kubernetes_version   = local.common_config.cluster_version
  orchestrator_version = local.common_config.cluster_version

  vantiq_node_pool_vm_size    = local.aks_config.vantiq_node_pool_vm_size
  vantiq_node_pool_node_count = local.aks_config.vantiq_node_pool_node_count
  availability_zones          = local.aks_config.availability_zones
  ssh_public_key              = file(local.common_config.ssh_public_key_aks_node)
}

module "opnode" {
  source                = "./modules/opnode"
  location              = local.common_config.location
  opnode_kubectl_version = local.common_config.opnode_kubectl_version
  ssh_public_key        = file(local.common_config.ssh_public_key_opnode)
}

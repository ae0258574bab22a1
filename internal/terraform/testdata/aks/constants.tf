###
###  AKS
###
locals {
  common_config = {
    vantiq_cluster_name      = "vantiq"
    env_name                 = "prod"
    location                 = "japaneast"
    cluster_version          = "1.21.2" # 1.21.2 -> 1.22.15
    opnode_kubectl_version   = "1.21.2"
    ssh_private_key_aks_node = "aks_node_id_rsa"
    ssh_public_key_aks_node  = "aks_node_id_rsa.pub"
    ssh_public_key_opnode    = "opnode_id_rsa.pub"
  }
}

###
###  Network
###
locals {
  network_config = {
    vnet_address_cidr         = ["10.1.0.0/16"]
    snet_aks_node_cidr        = ["10.1.0.0/22"]
    snet_aks_lb_cidr          = ["10.1.4.0/24"]
    snet_op_cidr              = ["10.1.5.0/24"]
    # snet_db_cidr            = ["10.1.6.0/24"]
    service_endpoints         = ["Microsoft.Sql", "Microsoft.Storage"]
  }
}

###
###  AKS node pools
###
locals {
  aks_config = {
    vantiq_node_pool_vm_size     = "Standard_F4s_v2"
    vantiq_node_pool_node_count  = 3
    mongodb_node_pool_vm_size    = "Standard_E4s_v3"
    mongodb_node_pool_node_count = 3
    userdb_node_pool_vm_size     = "Standard_E2s_v3"
    userdb_node_pool_node_count  = 1
    grafana_node_pool_vm_size    = "Standard_F2s_v2"
    grafana_node_pool_node_count = 1
    metrics_node_pool_vm_size    = "Standard_F4s_v2"
    metrics_node_pool_node_count = 1
    availability_zones           = ["1", "2", "3"]
  }
}

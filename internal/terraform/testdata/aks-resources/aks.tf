resource "azurerm_kubernetes_cluster" "aks-vantiq" {
	name                = "aks-vantiqjpinternal-prod"
	location            = "japaneast"
	resource_group_name = "rg-vantiqjpinternal-prod-aks"
	dns_prefix          = "aks-vantiqjpinternal-prod"
	kubernetes_version  = "1.20.9"

	default_node_pool {
		name                 = "vantiqnp"
		vm_size              = "Standard_F4s_v2"
		node_count           = 3
		orchestrator_version = "1.20.9" // pinned with the cluster
	}

	tags = {
		"app"         = "vantiqjpinternal"
		"environment" = "prod"
	}
}

resource "azurerm_kubernetes_cluster_node_pool" "mongodbnp" {
	count                 = 1
	name                  = "mongodbnp"
	kubernetes_cluster_id = azurerm_kubernetes_cluster.aks-vantiq.id
	vm_size               = "Standard_E4s_v3"
	node_count            = 3
	orchestrator_version  = "1.20.9"
}

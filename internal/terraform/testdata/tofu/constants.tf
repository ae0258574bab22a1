###
### Common
###
locals {
  common_config = {
    cluster_name                   = "<INPUT-YOUR-CLUSTER-NAME>"
    cluster_version                = "1.23"    # 1.22 -> 1.23
    bastion_kubectl_version        = "1.23.7"
    env_name                       = "prod"
    region                         = "<INPUT-YOUR-REGION>"
    worker_access_private_key      = "<INPUT-YOUR-SSH-PRIVATE-KEY-FILE-NAME>"
    worker_access_public_key_name  = "<INPUT-YOUR-SSH-PUBLIC-KEY-FILE-NAME>"
    bastion_access_public_key_name = "<INPUT-YOUR-SSH-PUBLIC-KEY-FILE-NAME>"
    bastion_enabled                = true
    bastion_instance_type          = "t2.micro"
  }
}

###
### EKS
###
locals {
  eks_config = {
    managed_node_group_config = {
      "VANTIQ" = {
        ami_type       = "AL2_x86_64"
        kubernetes_version  = "1.23" # 1.22 -> 1.23
        instance_types = ["c5.xlarge"] # c5.xlarge x 3
        disk_size      = 40
        scaling_config = {
          desired_size = 3
          max_size     = 6
          min_size     = 0
        }
        node_workload_label = "compute"
      },
      "MongoDB" = {
        ami_type       = "AL2_x86_64"
        kubernetes_version  = "1.23"
        instance_types = ["r5.large"] # r5.large x 3
        disk_size      = 40
        scaling_config = {
          desired_size = 3
          max_size     = 6
          min_size     = 0
        }
        node_workload_label = "database"
      },
      "grafana" = {
        ami_type       = "AL2_x86_64"
        kubernetes_version  = "1.23"
        instance_types = ["r5.large"]
        disk_size      = 40
        scaling_config = {
          desired_size = 1
          max_size     = 2
          min_size     = 0
        }
        node_workload_label = "influxdb"
      }
    }
  }
}

analyze
cluster.yaml

lint
cluster.yaml

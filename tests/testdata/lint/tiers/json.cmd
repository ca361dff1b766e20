lint
cluster.yaml
-o
json

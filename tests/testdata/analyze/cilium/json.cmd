analyze
cluster.yaml
-o
json
--allowed-only

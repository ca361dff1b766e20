analyze
cluster.yaml
-o
table

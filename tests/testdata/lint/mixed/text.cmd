lint
namespaces.yaml
policies.yaml
workloads.yaml
--output
text

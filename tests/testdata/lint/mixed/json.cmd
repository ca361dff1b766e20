lint
namespaces.yaml
policies.yaml
workloads.yaml
--output
json

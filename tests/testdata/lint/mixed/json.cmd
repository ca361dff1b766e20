lint
namespaces.yaml
policies.yaml
workloads.yaml
tiers.yaml
--output
json

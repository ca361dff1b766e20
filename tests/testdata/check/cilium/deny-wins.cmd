check
../../analyze/cilium/cluster.yaml
--from
lab/probe
--to
shop/api
--port
metrics

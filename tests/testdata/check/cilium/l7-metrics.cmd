check
../../analyze/cilium/cluster.yaml
--from
shop/db
--to
shop/api
--port
metrics

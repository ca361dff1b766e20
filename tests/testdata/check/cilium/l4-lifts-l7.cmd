check
../../analyze/cilium/cluster.yaml
--from
shop/web
--to
shop/api
--port
metrics

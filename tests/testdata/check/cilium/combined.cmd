check
../../analyze/cilium/cluster.yaml
--from
shop/api
--to
shop/db
--port
pg

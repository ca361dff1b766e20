check
../../analyze/cilium/cluster.yaml
--from
external:198.51.100.7
--to
shop/db
--port
pg

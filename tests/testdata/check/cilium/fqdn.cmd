check
../../analyze/cilium/cluster.yaml
--from
shop/web
--to
external:93.184.216.34
--port
443

check
../../analyze/cilium/cluster.yaml
--from
shop/web
--to
external:10.1.2.3
--port
443

check
../../analyze/cilium/cluster.yaml
--from
shop/web
--to
external:10.96.0.10
--port
443

check
../../analyze/tiers/cluster.yaml
--from
shop/web
--to
lab/probe
--port
80

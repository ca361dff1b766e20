check
../../analyze/tiers/cluster.yaml
--from
lab/probe
--to
shop/db
--port
5432

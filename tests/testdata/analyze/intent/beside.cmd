analyze
../../../../overlays/prod
real-gateway.yaml
-o
table
--allowed-only

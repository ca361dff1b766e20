analyze
../../../../overlays/prod-cilium
--output
table
--allowed-only

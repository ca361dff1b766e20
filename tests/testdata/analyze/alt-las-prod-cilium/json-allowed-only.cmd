analyze
../../../../overlays/prod-cilium
--output
json
--allowed-only

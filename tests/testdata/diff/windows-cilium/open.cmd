diff
--at
2026-12-05T01:30:00Z
../../../../overlays/prod-cilium
../../render/window-cilium

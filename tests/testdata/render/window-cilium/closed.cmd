render
netpolset.yaml
--at
2026-12-05T03:00:00Z

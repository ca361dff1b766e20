render
netpolset.yaml
--at
2026-12-05T01:30:00Z

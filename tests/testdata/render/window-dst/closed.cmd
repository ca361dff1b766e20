render
--root
.
--at
2026-03-29T01:30:00Z
netpolset.yaml

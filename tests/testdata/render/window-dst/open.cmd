render
--root
.
--at
2026-03-29T01:29:59Z
netpolset.yaml

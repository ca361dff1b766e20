windows
--root
.
--at
2026-03-28T12:00:00Z
netpolset.yaml

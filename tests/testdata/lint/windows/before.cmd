lint
live.yaml
--at
2026-12-05T02:00:00Z

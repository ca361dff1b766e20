lint
live.yaml
--at
2026-12-05T05:00:00Z
--fail-on
warning

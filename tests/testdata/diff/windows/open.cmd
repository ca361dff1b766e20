diff
--at
2026-12-05T01:30:00Z
-o
json
../../../../overlays/prod
../../../../examples/alt-las-maintenance

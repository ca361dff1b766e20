windows
--at
2026-12-05T01:30:00Z
-o
json
../../../../examples/alt-las-maintenance

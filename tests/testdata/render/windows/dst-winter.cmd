render
--at
2026-03-28T01:00:00Z
../../../../examples/alt-las-maintenance

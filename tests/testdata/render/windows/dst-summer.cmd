render
--at
2026-04-04T00:00:00Z
../../../../examples/alt-las-maintenance

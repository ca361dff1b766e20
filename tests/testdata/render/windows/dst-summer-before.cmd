render
--at
2026-04-03T23:59:59Z
../../../../examples/alt-las-maintenance

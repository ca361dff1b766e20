render
--at
2026-12-05T02:59:59Z
../../../../examples/alt-las-maintenance

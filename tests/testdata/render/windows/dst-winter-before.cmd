render
--at
2026-03-28T00:59:59Z
../../../../examples/alt-las-maintenance

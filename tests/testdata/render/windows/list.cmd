windows
--at
2026-03-27T12:00:00Z
--count
3
../../../../examples/alt-las-maintenance

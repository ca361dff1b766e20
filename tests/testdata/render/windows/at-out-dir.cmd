render
--at
2026-12-05T01:30:00Z
--out-dir
out
../../../../examples/alt-las-maintenance

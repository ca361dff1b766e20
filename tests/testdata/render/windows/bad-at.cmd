render
--at
next-saturday
../../../../examples/alt-las-maintenance

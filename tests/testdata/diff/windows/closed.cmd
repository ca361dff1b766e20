diff
-o
json
../../../../overlays/prod
../../../../examples/alt-las-maintenance

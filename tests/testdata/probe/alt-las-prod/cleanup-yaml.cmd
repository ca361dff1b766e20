probe
cleanup
../../../../overlays/prod
-o
yaml

analyze
../../../../overlays/prod
-o
dot

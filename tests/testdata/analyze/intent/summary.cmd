analyze
../../../../overlays/prod
-o
summary

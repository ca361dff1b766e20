diff
../../../../overlays/prod
after
-o
dot

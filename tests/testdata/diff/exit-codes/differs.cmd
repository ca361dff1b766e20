diff
--no-normalize
-o
json
../../../../overlays/dev
../../../../overlays/prod

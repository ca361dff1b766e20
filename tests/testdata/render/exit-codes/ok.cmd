render
../../../../overlays/dev
-o
json

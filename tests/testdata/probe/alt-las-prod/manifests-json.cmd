probe
manifests
../../../../overlays/prod
-o
json

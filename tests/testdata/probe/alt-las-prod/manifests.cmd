probe
manifests
../../../../overlays/prod

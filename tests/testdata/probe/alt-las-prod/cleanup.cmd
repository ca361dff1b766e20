probe
cleanup
../../../../overlays/prod

diff
../../../../overlays/prod
../../../../overlays/prod

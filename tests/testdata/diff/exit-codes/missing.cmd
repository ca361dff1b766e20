diff
../../../../overlays/prod
no-such-dir

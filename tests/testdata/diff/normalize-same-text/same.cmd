diff
--root
.
overlays/staging
overlays/prod
--color
never

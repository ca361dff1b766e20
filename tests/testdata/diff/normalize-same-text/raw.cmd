diff
--root
.
overlays/staging
overlays/prod
--no-normalize
--color
never

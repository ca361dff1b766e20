diff
../../../../overlays/prod
../../../../overlays/prod-cilium
-o
text
--color
never

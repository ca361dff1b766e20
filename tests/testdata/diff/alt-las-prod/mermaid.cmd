diff
../../../../overlays/prod
after
-o
mermaid

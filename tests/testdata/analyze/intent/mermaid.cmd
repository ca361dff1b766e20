analyze
../../../../overlays/prod
-o
mermaid

diff
--root
.
before
path-changed
-o
mermaid

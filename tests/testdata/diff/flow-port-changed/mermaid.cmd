diff
--root
.
before
after
-o
mermaid

diff
--root
.
before
path-changed
-o
md

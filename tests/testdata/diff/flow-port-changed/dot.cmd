diff
--root
.
before
after
-o
dot

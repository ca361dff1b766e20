diff
--root
.
before
after
-o
json

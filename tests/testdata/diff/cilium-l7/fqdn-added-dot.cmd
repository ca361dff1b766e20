diff
--root
.
before
fqdn-added
-o
dot

diff
--root
.
before
fqdn-added
-o
json

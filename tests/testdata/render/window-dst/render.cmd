render
--root
.
netpolset.yaml

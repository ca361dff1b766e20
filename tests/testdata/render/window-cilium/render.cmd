render
netpolset.yaml

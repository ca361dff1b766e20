post-render
--config
netpolset.yaml

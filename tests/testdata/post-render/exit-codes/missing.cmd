post-render
--config
no-such.yaml

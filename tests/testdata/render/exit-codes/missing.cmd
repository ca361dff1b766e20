render
no-such-file.yaml

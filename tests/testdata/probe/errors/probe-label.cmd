probe
manifests
probe-label.yaml

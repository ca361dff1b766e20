probe
manifests
probe-label.yaml
--denied-sample
some

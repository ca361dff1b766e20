probe
manifests
.

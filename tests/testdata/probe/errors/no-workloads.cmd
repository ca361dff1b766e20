probe
manifests
-

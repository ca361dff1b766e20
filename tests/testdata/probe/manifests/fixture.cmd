probe
manifests
../../analyze/alt-las-prod

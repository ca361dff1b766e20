lint
--root
../..
../../render/dns-off/netpolset.yaml

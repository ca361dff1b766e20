lint
--root
.
shop
deployed.yaml

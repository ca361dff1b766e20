lint
--root
.
shop

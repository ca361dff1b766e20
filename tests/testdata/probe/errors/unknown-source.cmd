probe
run
--matrix
loopback.json
--as
shop/nobody

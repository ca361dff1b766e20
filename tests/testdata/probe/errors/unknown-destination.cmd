probe
run
--matrix
unknown-destination.json

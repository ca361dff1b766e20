probe
run
--matrix
bad-matrix.json

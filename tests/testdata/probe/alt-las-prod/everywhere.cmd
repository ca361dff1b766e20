probe
cleanup

probe
cleanup
.

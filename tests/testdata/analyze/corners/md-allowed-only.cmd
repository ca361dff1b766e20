analyze
.
--output
md
--allowed-only

analyze
.
--output
table
--allowed-only

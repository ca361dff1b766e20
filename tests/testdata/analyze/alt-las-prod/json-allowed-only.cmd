analyze
.
--output
json
--allowed-only

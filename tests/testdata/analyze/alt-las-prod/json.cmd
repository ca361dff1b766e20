analyze
.
--output
json

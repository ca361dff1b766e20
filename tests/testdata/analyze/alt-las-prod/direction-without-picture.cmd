analyze
.
--output
json
--direction
ingress

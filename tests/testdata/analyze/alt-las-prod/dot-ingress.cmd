analyze
.
--output
dot
--direction
ingress

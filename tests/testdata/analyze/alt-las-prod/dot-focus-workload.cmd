analyze
.
--output
dot
--focus
alt-las-prod/api-gateway

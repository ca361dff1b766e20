analyze
.
--output
dot
--focus
alt-las-prod/nope

analyze
.
--output
mermaid
--direction
egress

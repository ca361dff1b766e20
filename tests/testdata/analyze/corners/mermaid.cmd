analyze
.
--output
mermaid

analyze
.
--output
mermaid
--focus
ingress-nginx

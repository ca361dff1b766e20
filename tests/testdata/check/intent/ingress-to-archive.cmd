check
../../../../overlays/prod
--from
ingress
--to
archive-service
--port
http

check
../../../../overlays/prod
--from
runner-service
--to
archive-service
--port
http

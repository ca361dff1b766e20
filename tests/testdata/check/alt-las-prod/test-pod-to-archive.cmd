check
../../analyze/alt-las-prod
--from
alt-las-prod/test-pod
--to
alt-las-prod/archive-service
--port
http

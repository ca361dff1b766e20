check
../../analyze/alt-las-prod
--from
alt-las-prod/nobody
--to
alt-las-prod/api-gateway
--port
80

check
../../analyze/alt-las-prod
--from
alt-las-prod/api-gateway
--to
alt-las-prod/runner-service
--port
9090

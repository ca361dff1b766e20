check
../../analyze/alt-las-prod
--from
ingress-nginx/ingress-nginx-controller
--to
alt-las-prod/api-gateway
--port
3000

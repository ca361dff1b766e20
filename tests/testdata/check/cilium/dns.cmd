check
../../analyze/cilium/cluster.yaml
--from
shop/web
--to
kube-system/coredns
--port
dns

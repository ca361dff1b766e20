probe
serve
--ports
80/ICMP

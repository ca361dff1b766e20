argocd
generate

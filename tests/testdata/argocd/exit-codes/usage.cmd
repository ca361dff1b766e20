argocd
explode

"""Pure renderers: typed config in, Kubernetes objects out as plain dicts. No Pulumi here."""

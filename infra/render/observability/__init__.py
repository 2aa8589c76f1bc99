"""Platform-wide observability, rendered from the stack: scrapes of the gateway (Envoy and the AI
Gateway's GenAI metrics) and of the GPUs (DCGM exporter), the Grafana dashboard and the platform
alert rules. Per-model scrapes and SLO alerts are in model_monitoring.py.

`objects.render_observability(platform)` lists every object; this package's `__init__` imports
nothing, so model_autoscaling can use gateway_metrics without an import cycle.
"""

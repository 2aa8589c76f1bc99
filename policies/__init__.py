"""Policy as code for llm-platform: the rules (policies/rules), their CrossGuard adapter
(policies/crossguard.py) and the pack's entry point (policies/__main__.py, run by the Pulumi CLI)."""

"""llm-platform: the Pulumi program and its offline tooling (plan, bench).

Data flows one way: stack file -> config (pydantic) -> pure renderers -> components -> wiring.
"""

"""Typed Pulumi ComponentResources: thin wrappers that register what the renderers return."""

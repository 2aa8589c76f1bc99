"""The offline plan: run the real program under Pulumi's mocks and report what it would deploy."""

"""Policy-as-code rules for llm-platform (CrossGuard). The rules land with the policy issue."""

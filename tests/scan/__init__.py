"""`make checkov`: checkov over what each reference stack applies (tests/scan/export.py), judged by
tests/scan/policy.py."""

"""`python -m infra diff`: what a change to a stack file does, for review.

Both sides are offline plans of the real program (`infra.plan.runner.run_plan`), so the diff shows
exactly the resources and inputs `pulumi preview` would compare, without a cloud account:

- resources matched by URN (or by an alias URN): added, removed, changed with every changed input
  path (`spec.template.spec.containers[0].args[0]`, keys that are not plain words quoted as in
  Pulumi property paths: `metadata.annotations["llm-platform.io/weights"]`), old and new value;
- which changes replace a resource instead of updating it in place (`replacement_rules`, plus
  each resource's own `replaceOnChanges`), and whether the old one goes first (`deleteBeforeReplace`);
- the models affected: through their `ModelRelease` component, and through preload Jobs (their
  `llm-platform.io/weights` annotation names the weights; every model using them is affected);
- the monthly cost delta at minimum and maximum replicas (`infra.cost.estimate` on both sides).

The base is a stack file or a git ref: `--base origin/main` reads the new side's stack file as it
is at that ref (`git show <ref>:<path>`); a file that does not exist there makes everything added.
The base is always planned under the new side's stack name, so URNs line up.

This is the reviewer's view of the change, computed from the program. The engine's own diff on a
real stack (`pulumi preview`, which the PR workflow runs when cloud credentials are configured) is
authoritative: it also sees drift and provider-computed values that no offline plan has.

Modules: `paths` (property paths), `replacement_rules` (what each provider replaces, with its
source), `changes` (what a diff holds), `compare` (two plans -> a PlanDiff), `formatting`,
`text_output` and `markdown_output` (the two views), `base_resolution` (--base as a file or git ref)
and `command` (the CLI).
"""

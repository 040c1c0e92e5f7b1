"""verify = plan -> read live -> normalise -> diff -> report.

- ``desired``: what git says (the plan in memory, or manifests from ``-f``);
- ``live``: one list call per kind and namespace through ``gitops_seldon.cluster``;
- ``normalise`` and ``diff``: pure functions, no false drift (see docs/verify.md);
- ``health``: SeldonDeployment state and SealedSecret sync, beside drift;
- ``engine``: one environment (or several, concurrently) end to end;
- ``report``: text, json and github output.
"""

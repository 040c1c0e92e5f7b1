from __future__ import annotations

from gitops_seldon.cli import main

raise SystemExit(main())
